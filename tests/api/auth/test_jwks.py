"""The signing keys' store: a JWKS URL fetched, cached and refreshed on its policy; a file read
again only when it changes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from api.auth.jwks import (
    URL_POLICY,
    FileSource,
    JwksStore,
    KeysUnavailable,
    RefreshPolicy,
    UnknownKey,
    UrlSource,
)
from api.settings import Settings
from tests.api.auth.identity_provider import (
    QUERY,
    JwksServer,
    Keys,
    Tokens,
    call,
    in_production,
    public_jwk,
    serve,
    write_jwks,
)
from tests.helpers import MovableClock

# --- A JWKS URL -----------------------------------------------------------------------------


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
