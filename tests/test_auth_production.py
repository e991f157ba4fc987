"""Production tokens: RS256/ES256 against a JWKS file or URL, `iss`/`aud`, rotation, refusals."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api.app import create_app
from api.auth.jwks import (
    URL_POLICY,
    FileSource,
    JwksStore,
    KeysUnavailable,
    RefreshPolicy,
    UnknownKey,
    UrlSource,
)
from api.auth.tokens import mint_token
from api.settings import Settings, SettingsError
from tests.helpers import MovableClock

ISSUER = "https://login.example.com/tenant/v2.0"
AUDIENCE = "api://referrals"
QUERY = {"query": "{ referrals { totalCount } }"}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Keys:
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    other_rsa_key: rsa.RSAPrivateKey  # never published
    rotated_key: ec.EllipticCurvePrivateKey  # published by the rotation tests only


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec_key=ec.generate_private_key(ec.SECP256R1()),
        other_rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rotated_key=ec.generate_private_key(ec.SECP256R1()),
    )


def public_jwk(key: PrivateKey, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        alg = "RS256"
    else:
        jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        alg = "ES256"
    return {**jwk, "kid": kid, "use": "sig", "alg": alg}


def write_jwks(path: Path, *jwks: dict[str, Any]) -> None:
    """Replace the file atomically, as a deployment would."""
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps({"keys": list(jwks)}), encoding="utf-8")
    os.replace(staging, path)


class Tokens:
    """Signs tokens with claims valid at the app's clock unless overridden (None drops one)."""

    def __init__(self, keys: Keys, clock: MovableClock) -> None:
        self.keys = keys
        self.clock = clock

    def claims(self, **overrides: object) -> dict[str, object]:
        now = self.clock()
        claims: dict[str, object] = {
            "sub": str(uuid.uuid4()),
            "org": str(uuid.uuid4()),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def rs256(self, kid: str = "rsa-1", key: PrivateKey | None = None, **claims: object) -> str:
        key = key or self.keys.rsa_key
        return jwt.encode(self.claims(**claims), key, algorithm="RS256", headers={"kid": kid})

    def es256(self, kid: str = "ec-1", key: PrivateKey | None = None, **claims: object) -> str:
        key = key or self.keys.ec_key
        return jwt.encode(self.claims(**claims), key, algorithm="ES256", headers={"kid": kid})

    def at(self, delta: timedelta) -> int:
        return int((self.clock() + delta).timestamp())


def hs256_by_hand(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """HS256 with any bytes as the secret (PyJWT refuses to sign with public-key material)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"


@asynccontextmanager
async def serve(settings: Settings, clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def call(client: httpx.AsyncClient, token: str) -> tuple[int, str]:
    """(status, first error message); a 401 must have the GraphQL error shape."""
    response = await client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"}
    )
    body = response.json()
    if response.status_code == 200:
        assert body["data"] == {"referrals": {"totalCount": 0}}, body
        assert "errors" not in body, body
        return 200, ""
    assert response.status_code == 401, response.text
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "data" not in body
    message: str = body["errors"][0]["message"]
    return 401, message


@pytest.fixture
def tokens(keys: Keys, clock: MovableClock) -> Tokens:
    return Tokens(keys, clock)


@pytest.fixture
def jwks_file(tmp_path: Path, keys: Keys) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, public_jwk(keys.rsa_key, "rsa-1"), public_jwk(keys.ec_key, "ec-1"))
    return path


def in_production(settings: Settings, jwks: str) -> Settings:
    return replace(
        settings,
        environment="production",
        jwt_secret="x" * 40,
        jwks=jwks,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )


@pytest.fixture
async def client(
    settings: Settings, jwks_file: Path, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(in_production(settings, str(jwks_file)), clock) as client:
        yield client


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


# --- A JWKS URL -----------------------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its requests and can fail or stall."""

    def __init__(self) -> None:
        self.body = b'{"keys": []}'
        self.status = 200
        self.delay = 0.0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                time.sleep(outer.delay)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"

    def publish(self, *jwks: dict[str, Any]) -> None:
        self.body = json.dumps({"keys": list(jwks)}).encode()


@pytest.fixture
def jwks_server(keys: Keys) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(public_jwk(keys.rsa_key, "rsa-1"), public_jwk(keys.ec_key, "ec-1"))
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        thread.join(timeout=5)


async def test_a_jwks_url_is_fetched_once_and_cached(
    settings: Settings, jwks_server: JwksServer, tokens: Tokens, clock: MovableClock
) -> None:
    async with serve(in_production(settings, jwks_server.url), clock) as client:
        assert (await call(client, tokens.rs256()))[0] == 200
        assert (await call(client, tokens.es256()))[0] == 200
        assert (await call(client, tokens.rs256(aud="api://other")))[0] == 401
    assert jwks_server.requests == 1


async def test_an_unknown_kid_refreshes_the_url_once_then_is_refused(
    settings: Settings, jwks_server: JwksServer, tokens: Tokens, clock: MovableClock
) -> None:
    unknown = "The bearer token is signed with an unknown key."
    async with serve(in_production(settings, jwks_server.url), clock) as client:
        assert (await call(client, tokens.rs256()))[0] == 200
        assert jwks_server.requests == 1
        assert await call(client, tokens.rs256(kid="nope", key=tokens.keys.other_rsa_key)) == (
            401,
            unknown,
        )
        assert jwks_server.requests == 2  # one refresh for the unknown kid
        for kid in ("nope", "nope-2", "nope-3"):
            assert await call(client, tokens.rs256(kid=kid)) == (401, unknown)
        assert jwks_server.requests == 2  # rate-limited: no fetch per forged kid
        assert (await call(client, tokens.es256()))[0] == 200


async def test_a_rotated_url_key_set_is_used_without_restart(
    settings: Settings, jwks_server: JwksServer, tokens: Tokens, clock: MovableClock
) -> None:
    async with serve(in_production(settings, jwks_server.url), clock) as client:
        assert (await call(client, tokens.rs256()))[0] == 200
        jwks_server.publish(public_jwk(tokens.keys.rotated_key, "ec-2"))
        assert (await call(client, tokens.es256(kid="ec-2", key=tokens.keys.rotated_key)))[0] == 200
    assert jwks_server.requests == 2


@pytest.mark.parametrize("failure", ["http-500", "not-json", "no-keys", "unreachable"])
async def test_a_failed_fetch_is_a_401_not_a_500(
    settings: Settings,
    jwks_server: JwksServer,
    tokens: Tokens,
    clock: MovableClock,
    failure: str,
) -> None:
    url = jwks_server.url
    match failure:
        case "http-500":
            jwks_server.status = 500
        case "not-json":
            jwks_server.body = b"<html>maintenance</html>"
        case "no-keys":
            jwks_server.publish()
        case "unreachable":
            url = "http://127.0.0.1:9/jwks.json"  # the discard port: nothing listens
    async with serve(in_production(settings, url), clock) as client:
        response = await client.post(
            "/graphql", json=QUERY, headers={"Authorization": f"Bearer {tokens.rs256()}"}
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {
        "errors": [
            {
                "message": "Signing keys are unavailable; try again later.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }


# --- The key store, on a clock of its own -------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_url_key_set_is_refetched_after_its_max_age(
    jwks_server: JwksServer, keys: Keys
) -> None:
    ticks = Ticks()
    store = JwksStore(UrlSource(jwks_server.url), URL_POLICY, monotonic=ticks)
    await store.key("rsa-1")
    ticks.now += URL_POLICY.max_age - 1
    await store.key("rsa-1")
    assert jwks_server.requests == 1
    jwks_server.publish(public_jwk(keys.ec_key, "ec-1"))  # rsa-1 retired
    ticks.now += 1
    assert (await store.key("ec-1")).key_id == "ec-1"
    assert jwks_server.requests == 2
    with pytest.raises(UnknownKey):
        await store.key("rsa-1")


async def test_unknown_kids_refresh_at_most_once_a_minute(
    jwks_server: JwksServer, keys: Keys
) -> None:
    ticks = Ticks()
    store = JwksStore(UrlSource(jwks_server.url), URL_POLICY, monotonic=ticks)
    for _ in range(3):
        with pytest.raises(UnknownKey):
            await store.key("new")
    assert jwks_server.requests == 2  # the first load, one refresh
    jwks_server.publish(public_jwk(keys.rotated_key, "new"))
    ticks.now += URL_POLICY.unknown_kid_interval - 1
    with pytest.raises(UnknownKey):
        await store.key("new")
    ticks.now += 1
    assert (await store.key("new")).key_id == "new"
    assert jwks_server.requests == 3


async def test_keys_already_loaded_outlive_a_failing_endpoint(jwks_server: JwksServer) -> None:
    ticks = Ticks()
    store = JwksStore(UrlSource(jwks_server.url), URL_POLICY, monotonic=ticks)
    await store.key("rsa-1")
    jwks_server.status = 503
    ticks.now += URL_POLICY.max_age
    assert (await store.key("rsa-1")).key_id == "rsa-1"
    assert jwks_server.requests == 2
    await store.key("ec-1")  # within the retry back-off: no new attempt
    assert jwks_server.requests == 2


async def test_without_keys_a_failed_load_is_retried_after_a_back_off(
    jwks_server: JwksServer,
) -> None:
    ticks = Ticks()
    store = JwksStore(UrlSource(jwks_server.url), URL_POLICY, monotonic=ticks)
    jwks_server.status = 500
    for _ in range(3):
        with pytest.raises(KeysUnavailable):
            await store.key("rsa-1")
    assert jwks_server.requests == 1
    jwks_server.status = 200
    ticks.now += URL_POLICY.retry_after_failure
    assert (await store.key("rsa-1")).key_id == "rsa-1"
    assert jwks_server.requests == 2


async def test_a_slow_endpoint_times_out_without_blocking_the_event_loop(
    jwks_server: JwksServer,
) -> None:
    jwks_server.delay = 1.0
    store = JwksStore(UrlSource(jwks_server.url, timeout=5), URL_POLICY, timeout=0.2)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    try:
        with pytest.raises(KeysUnavailable):
            await store.key("rsa-1")
    finally:
        ticker.cancel()
    assert time.monotonic() - started < 0.8  # the 0.2 s limit, not the 1 s stall
    assert ticks >= 5  # the loop ran while the fetch waited in its thread


async def test_a_jwks_file_is_read_again_only_when_it_changes(jwks_file: Path, keys: Keys) -> None:
    ticks = Ticks()
    policy = RefreshPolicy(max_age=10, unknown_kid_interval=1, retry_after_failure=1)
    source = FileSource(jwks_file)
    reads = 0
    original = source.load

    def counting(version: object | None) -> tuple[object | None, Any]:
        nonlocal reads
        result = original(version)
        reads += result[1] is not None
        return result

    source.load = counting  # type: ignore[method-assign]
    store = JwksStore(source, policy, monotonic=ticks)
    await store.key("rsa-1")
    ticks.now += 10
    await store.key("rsa-1")
    assert (store.loads, reads) == (2, 1)  # checked again, not read again
    write_jwks(jwks_file, public_jwk(keys.rotated_key, "ec-2"))
    ticks.now += 10
    with pytest.raises(UnknownKey):
        await store.key("rsa-1")
    assert (await store.key("ec-2")).key_id == "ec-2"
    assert (store.loads, reads) == (4, 2)  # + the unknown kid's refresh: a check, no read
