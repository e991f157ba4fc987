"""Fixtures of the production-token tests: the keys, a JWKS file or server publishing them, tokens,
and a client of an app in production."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from api.settings import Settings
from tests.api.auth.identity_provider import (
    JwksServer,
    Keys,
    Tokens,
    in_production,
    public_jwk,
    serve,
    write_jwks,
)
from tests.helpers import MovableClock


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec_key=ec.generate_private_key(ec.SECP256R1()),
        other_rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rotated_key=ec.generate_private_key(ec.SECP256R1()),
    )


@pytest.fixture
def tokens(keys: Keys, clock: MovableClock) -> Tokens:
    return Tokens(keys, clock)


@pytest.fixture
def jwks_file(tmp_path: Path, keys: Keys) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, public_jwk(keys.rsa_key, "rsa-1"), public_jwk(keys.ec_key, "ec-1"))
    return path


@pytest.fixture
async def client(
    settings: Settings, jwks_file: Path, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(in_production(settings, str(jwks_file)), clock) as client:
        yield client


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
