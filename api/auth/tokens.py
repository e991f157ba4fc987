"""Bearer tokens: who a request acts for.

Production (or whenever settings.jwks is set): RS256 or ES256 tokens of the identity provider,
verified against its JWKS (api.auth.jwks), with `iss` and `aud` checked. Development without a JWKS:
HS256 tokens signed with settings.jwt_secret, as `referrals token` mints them. Either way the
algorithms are pinned (a token's header never widens them) and `exp`/`nbf` are checked against
the app's clock with settings.jwt_leeway_seconds of tolerated skew.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from api.auth.jwks import ALGORITHMS, JwksStore, jwks_store
from api.errors import AuthenticationError
from api.settings import Settings, SettingsError, check_jwt_secret

DEVELOPMENT_ALGORITHM = "HS256"  # without a JWKS, outside production only
REQUIRED_CLAIMS = ("exp", "sub", "org")


@dataclass(frozen=True, slots=True)
class Principal:
    organization_id: uuid.UUID
    user_id: uuid.UUID


class Authenticator:
    """Verifies the bearer tokens of one app; built at start-up, where it refuses bad settings.

    In production, JWKS, JWT_ISSUER and JWT_AUDIENCE must be set and the development secret
    must not be: SettingsError otherwise.
    """

    def __init__(self, settings: Settings, *, keys: JwksStore | None = None) -> None:
        check_settings(settings)
        self.settings = settings
        self.leeway = timedelta(seconds=settings.jwt_leeway_seconds)
        if keys is None and settings.jwks is not None:
            keys = jwks_store(settings.jwks, production=settings.is_production)
        self.keys = keys

    async def authenticate(self, authorization: str | None, now: datetime) -> Principal:
        """The principal of an `Authorization: Bearer <JWT>` header, or AuthenticationError.

        Times are checked against `now`, the app's one clock, rather than PyJWT's wall clock.
        """
        token = _bearer_token(authorization)
        if self.keys is None:
            claims = self._decode(token, self.settings.jwt_secret, DEVELOPMENT_ALGORITHM)
        else:
            key = await self._signing_key(token, self.keys)
            claims = self._decode(token, key, key.algorithm_name)
        if _time_claim(claims, "exp") + self.leeway <= now:
            raise AuthenticationError("The bearer token has expired.")
        if "nbf" in claims and _time_claim(claims, "nbf") - self.leeway > now:
            raise AuthenticationError("The bearer token is not valid yet.")
        return Principal(
            organization_id=_uuid_claim(claims, "org"), user_id=_uuid_claim(claims, "sub")
        )

    async def _signing_key(self, token: str, keys: JwksStore) -> jwt.PyJWK:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationError("The bearer token is invalid.") from None
        if header.get("alg") not in ALGORITHMS:  # `none`, HS256 (key confusion) and the rest
            raise AuthenticationError("The bearer token is invalid.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("The bearer token names no signing key ('kid').")
        return await keys.key(kid)  # KeysUnavailable, UnknownKey: AuthenticationErrors

    def _decode(self, token: str, key: jwt.PyJWK | str, algorithm: str) -> dict[str, Any]:
        issuer, audience = self.settings.jwt_issuer, self.settings.jwt_audience
        required = [*REQUIRED_CLAIMS, *(["iss"] if issuer else []), *(["aud"] if audience else [])]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=issuer,
                audience=audience,
                options={
                    "require": required,
                    "verify_exp": False,  # checked against the app's clock by the caller
                    "verify_nbf": False,
                    "verify_iat": False,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationError(
                f"The bearer token lacks the '{error.claim}' claim."
            ) from None
        except jwt.InvalidAudienceError:
            raise AuthenticationError("The bearer token is meant for another audience.") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationError("The bearer token is from another issuer.") from None
        except jwt.PyJWTError:
            raise AuthenticationError("The bearer token is invalid.") from None
        return claims


def check_settings(settings: Settings) -> None:
    """SettingsError unless the token settings are fit for the environment.

    (The JWKS location itself is checked when its store is built.)
    """
    if not settings.is_production:
        return
    missing = [
        name
        for name, value in (
            ("JWKS", settings.jwks),
            ("JWT_ISSUER", settings.jwt_issuer),
            ("JWT_AUDIENCE", settings.jwt_audience),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            f"{', '.join(missing)} must be set in production: tokens are RS256/ES256, verified"
            " against the identity provider's key set (JWKS), issuer and audience"
        )
    check_jwt_secret(settings)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationError(
            "Missing Authorization header; send 'Authorization: Bearer <token>'."
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization header must use the Bearer scheme.")
    return token.strip()


def _time_claim(claims: dict[str, object], name: str) -> datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationError(f"The bearer token's '{name}' claim is not a NumericDate.")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise AuthenticationError(f"The bearer token's '{name}' claim is out of range.") from None


def _uuid_claim(claims: dict[str, object], name: str) -> uuid.UUID:
    value = claims.get(name)
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AuthenticationError(f"The bearer token's '{name}' claim is not a UUID.") from None


def mint_token(
    settings: Settings,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    lifetime: timedelta = timedelta(hours=12),
) -> str:
    """A development (HS256) token for `referrals token` and the tests.

    It carries the configured issuer and audience, if any. An app verifying against a JWKS
    refuses it: production tokens come from the identity provider.
    """
    claims: dict[str, object] = {
        "sub": str(user_id),
        "org": str(organization_id),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm=DEVELOPMENT_ALGORITHM)
