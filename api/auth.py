"""Bearer tokens: who a request acts for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from api.settings import Settings

ALGORITHM = "HS256"  # pinned: the token's own header never chooses the algorithm
LEEWAY = timedelta(seconds=30)  # tolerated clock skew between token issuer and API


class AuthenticationError(Exception):
    """No usable credentials; the message is safe to show the caller."""


@dataclass(frozen=True, slots=True)
class Principal:
    organization_id: uuid.UUID
    user_id: uuid.UUID


def authenticate(authorization: str | None, settings: Settings, now: datetime) -> Principal:
    """The principal of an `Authorization: Bearer <JWT>` header, or AuthenticationError.

    Times are checked against `now`, the app's one clock, rather than PyJWT's wall clock.
    """
    if not authorization:
        raise AuthenticationError(
            "Missing Authorization header; send 'Authorization: Bearer <token>'."
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization header must use the Bearer scheme.")
    try:
        claims = jwt.decode(
            token.strip(),
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            options={
                "require": ["exp", "sub", "org"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.MissingRequiredClaimError as error:
        raise AuthenticationError(f"The bearer token lacks the '{error.claim}' claim.") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("The bearer token is invalid.") from None
    if _time_claim(claims, "exp") + LEEWAY <= now:
        raise AuthenticationError("The bearer token has expired.")
    if "nbf" in claims and _time_claim(claims, "nbf") - LEEWAY > now:
        raise AuthenticationError("The bearer token is not valid yet.")
    return Principal(organization_id=_uuid_claim(claims, "org"), user_id=_uuid_claim(claims, "sub"))


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
    """A development token for `referrals token` and the tests."""
    claims = {
        "sub": str(user_id),
        "org": str(organization_id),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
