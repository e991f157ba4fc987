"""A stand-in identity provider for the tests: signing keys, their JWKS (a file or a URL on
127.0.0.1), tokens, and an app in production that verifies them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api.app import create_app
from api.settings import Settings
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


def in_production(settings: Settings, jwks: str) -> Settings:
    return replace(
        settings,
        environment="production",
        jwt_secret="x" * 40,
        jwks=jwks,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )


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
