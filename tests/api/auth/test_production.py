"""Production tokens through the app: RS256/ES256 against a JWKS file, `iss`/`aud`, leeway,
rotation, refusals, and the settings production needs to start."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from api.app import create_app
from api.auth.tokens import mint_token
from api.settings import Settings, SettingsError
from tests.api.auth.identity_provider import (
    AUDIENCE,
    ISSUER,
    Tokens,
    call,
    hs256_by_hand,
    in_production,
    public_jwk,
    serve,
    write_jwks,
)
from tests.helpers import MovableClock

# --- A JWKS file ----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_valid_tokens_pass(client: httpx.AsyncClient, tokens: Tokens, algorithm: str) -> None:
    token = tokens.rs256() if algorithm == "RS256" else tokens.es256()
    assert await call(client, token) == (200, "")


async def test_audience_may_be_a_list_containing_ours(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    token = tokens.es256(aud=["api://other", AUDIENCE])
    assert await call(client, token) == (200, "")


async def test_time_claims_have_the_configured_leeway(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    leeway = timedelta(seconds=30)
    second = timedelta(seconds=1)
    assert (await call(client, tokens.rs256(exp=tokens.at(-leeway + second))))[0] == 200
    assert (await call(client, tokens.rs256(exp=tokens.at(-leeway))))[0] == 401
    assert (await call(client, tokens.rs256(nbf=tokens.at(leeway))))[0] == 200
    assert (await call(client, tokens.rs256(nbf=tokens.at(leeway + second))))[0] == 401


BAD_TOKENS: dict[str, tuple[Callable[[Tokens], str], str]] = {
    "expired": (lambda t: t.rs256(exp=t.at(timedelta(hours=-1))), "has expired"),
    "expired-es256": (lambda t: t.es256(exp=t.at(timedelta(minutes=-5))), "has expired"),
    "not-yet-valid": (lambda t: t.rs256(nbf=t.at(timedelta(hours=1))), "not valid yet"),
    "other-audience": (lambda t: t.rs256(aud="api://other"), "another audience"),
    "other-audiences": (lambda t: t.es256(aud=["a", "b"]), "another audience"),
    "no-audience": (lambda t: t.rs256(aud=None), "lacks the 'aud' claim"),
    "other-issuer": (lambda t: t.rs256(iss="https://evil.example.com/"), "another issuer"),
    "no-issuer": (lambda t: t.es256(iss=None), "lacks the 'iss' claim"),
    "no-exp": (lambda t: t.rs256(exp=None), "lacks the 'exp' claim"),
    "no-org": (lambda t: t.rs256(org=None), "lacks the 'org' claim"),
    "sub-not-uuid": (lambda t: t.es256(sub="alice"), "'sub' claim is not a UUID"),
    "other-key-same-kid": (lambda t: t.rs256(key=t.keys.other_rsa_key), "token is invalid"),
    "ec-key-under-rsa-kid": (lambda t: t.es256(kid="rsa-1"), "token is invalid"),
    "rsa-key-under-ec-kid": (lambda t: t.rs256(kid="ec-1"), "token is invalid"),
    "alg-none": (
        lambda t: jwt.encode(t.claims(), "", algorithm="none", headers={"kid": "rsa-1"}),
        "token is invalid",
    ),
    "rs384": (
        lambda t: jwt.encode(
            t.claims(), t.keys.rsa_key, algorithm="RS384", headers={"kid": "rsa-1"}
        ),
        "token is invalid",
    ),
    "hs256-with-public-pem": (
        lambda t: hs256_by_hand(
            t.claims(),
            t.keys.rsa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "rsa-1",
        ),
        "token is invalid",
    ),
    "hs256-with-public-jwk": (
        lambda t: hs256_by_hand(
            t.claims(), json.dumps(public_jwk(t.keys.rsa_key, "rsa-1")).encode(), "rsa-1"
        ),
        "token is invalid",
    ),
    "hs256-with-jwt-secret": (
        lambda t: jwt.encode(t.claims(), "x" * 40, algorithm="HS256", headers={"kid": "rsa-1"}),
        "token is invalid",
    ),
    "no-kid": (
        lambda t: jwt.encode(t.claims(), t.keys.rsa_key, algorithm="RS256"),
        "names no signing key",
    ),
    "garbage": (lambda t: "not.a.jwt", "token is invalid"),
}


@pytest.mark.parametrize(("make", "message"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_bad_tokens_get_401(
    client: httpx.AsyncClient, tokens: Tokens, make: Callable[[Tokens], str], message: str
) -> None:
    status, text = await call(client, make(tokens))
    assert status == 401
    assert message in text


async def test_development_tokens_are_refused_in_production(
    client: httpx.AsyncClient, settings: Settings, clock: MovableClock
) -> None:
    production = in_production(settings, "unused")
    token = mint_token(
        production, organization_id=uuid.uuid4(), user_id=uuid.uuid4(), now=clock()
    )  # HS256 with JWT_SECRET, and the right iss and aud
    assert await call(client, token) == (401, "The bearer token is invalid.")


async def test_an_unknown_kid_is_refused(client: httpx.AsyncClient, tokens: Tokens) -> None:
    status, message = await call(client, tokens.rs256(kid="rsa-2", key=tokens.keys.other_rsa_key))
    assert (status, message) == (401, "The bearer token is signed with an unknown key.")


async def test_a_rotated_key_set_is_used_without_restart(
    client: httpx.AsyncClient, tokens: Tokens, jwks_file: Path
) -> None:
    assert (await call(client, tokens.rs256()))[0] == 200
    write_jwks(jwks_file, public_jwk(tokens.keys.rotated_key, "ec-2"))

    assert await call(client, tokens.es256(kid="ec-2", key=tokens.keys.rotated_key)) == (200, "")
    # The retired key is gone with the file's old content.
    assert await call(client, tokens.rs256()) == (
        401,
        "The bearer token is signed with an unknown key.",
    )


async def test_a_missing_jwks_file_refuses_tokens_safely(
    settings: Settings, tmp_path: Path, tokens: Tokens, clock: MovableClock
) -> None:
    async with serve(in_production(settings, str(tmp_path / "absent.json")), clock) as client:
        status, message = await call(client, tokens.rs256())
    assert (status, message) == (401, "Signing keys are unavailable; try again later.")


async def test_a_jwks_without_usable_keys_refuses_tokens(
    settings: Settings, tmp_path: Path, tokens: Tokens, clock: MovableClock
) -> None:
    """Symmetric, private, small, other-curve and encryption keys are all left out."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p384 = ec.generate_private_key(ec.SECP384R1())
    private = RSAAlgorithm.to_jwk(tokens.keys.rsa_key, as_dict=True)
    path = tmp_path / "jwks.json"
    write_jwks(
        path,
        {"kty": "oct", "kid": "oct-1", "k": base64.urlsafe_b64encode(b"x" * 40).decode()},
        {**private, "kid": "private-1"},
        public_jwk(weak, "weak-1"),
        {**public_jwk(p384, "p384-1"), "alg": "ES384"},
        {**public_jwk(tokens.keys.ec_key, "enc-1"), "use": "enc"},
    )
    async with serve(in_production(settings, str(path)), clock) as client:
        assert (await call(client, tokens.rs256(kid="private-1")))[1] == (
            "Signing keys are unavailable; try again later."
        )
        forged = hs256_by_hand(tokens.claims(), b"x" * 40, "oct-1")
        assert await call(client, forged) == (401, "The bearer token is invalid.")


async def test_a_jwks_in_development_replaces_the_shared_secret(
    settings: Settings, jwks_file: Path, tokens: Tokens, clock: MovableClock
) -> None:
    development = replace(settings, jwks=str(jwks_file), jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    async with serve(development, clock) as client:
        assert (await call(client, tokens.es256()))[0] == 200
        dev_token = mint_token(
            development, organization_id=uuid.uuid4(), user_id=uuid.uuid4(), now=clock()
        )
        assert (await call(client, dev_token))[0] == 401


async def test_development_checks_issuer_and_audience_when_set(
    settings: Settings, tokens: Tokens, clock: MovableClock
) -> None:
    development = replace(settings, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_leeway_seconds=0)
    secret = development.jwt_secret
    async with serve(development, clock) as client:
        minted = mint_token(
            development, organization_id=uuid.uuid4(), user_id=uuid.uuid4(), now=clock()
        )
        assert (await call(client, minted))[0] == 200
        other = jwt.encode(tokens.claims(aud="api://other"), secret, algorithm="HS256")
        assert await call(client, other) == (401, "The bearer token is meant for another audience.")
        stale = jwt.encode(tokens.claims(exp=tokens.at(timedelta(0))), secret, algorithm="HS256")
        assert await call(client, stale) == (401, "The bearer token has expired.")


# --- Start-up refusals ----------------------------------------------------------------------


def _production(**changes: Any) -> Settings:
    base = Settings(
        environment="production",
        jwt_secret="x" * 40,
        jwks="/etc/referrals/jwks.json",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    return replace(base, **changes)


def test_complete_production_settings_start() -> None:
    create_app(_production())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"jwks": None}, "JWKS must be set in production"),
        ({"jwt_issuer": None}, "JWT_ISSUER must be set in production"),
        ({"jwt_audience": None}, "JWT_AUDIENCE must be set in production"),
        (
            {"jwks": None, "jwt_issuer": None, "jwt_audience": None},
            "JWKS, JWT_ISSUER, JWT_AUDIENCE must be set in production",
        ),
        ({"jwt_secret": Settings().jwt_secret}, "the development secret is public"),
        ({"jwks": "http://idp.example.com/jwks.json"}, "https URL in production"),
        ({"jwks": "ftp://idp.example.com/jwks.json"}, "file path or an http(s) URL"),
        ({"jwks": "https:///jwks.json"}, "file path or an http(s) URL"),
    ],
    ids=[
        "no-jwks",
        "no-issuer",
        "no-audience",
        "none",
        "dev-secret",
        "plain-http",
        "ftp",
        "no-host",
    ],
)
def test_production_refuses_to_start_without_token_settings(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        create_app(_production(**changes))
