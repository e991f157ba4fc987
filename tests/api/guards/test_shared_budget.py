"""Two app instances (two workers) share one rate-limit budget through PostgreSQL or Redis, on
either database; their headers and `rateLimit` fields tell the same window. A store that cannot
be reached answers 503 with Retry-After, never 500 and never an uncounted operation."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.auth.tokens import mint_token
from api.guards.budget import RateLimitStore
from api.guards.budget_stores import PostgresRateLimitStore
from api.settings import Settings
from tests.api.guards.test_extension import SMALL_EVENTS, _refusal_over_the_socket
from tests.conftest import START
from tests.factories import make_actor
from tests.graphql_socket import GraphQLSocket, hub, serving
from tests.helpers import Actor, Api, MovableClock
from tests.redis_server import PrivateRedis, closed_port, private_redis

LIMIT = 10
QUERY = "{ rateLimit { cost limit used remaining resetAt } }"  # 1 point
GQL = "application/graphql-response+json"
JSON = "application/json"


@pytest.fixture(params=["postgresql", "redis-over-sqlite", "redis-over-postgresql"])
def fleet_settings(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Settings:
    """Settings of a fleet whose organizations may spend LIMIT points a minute."""
    if request.param.endswith("sqlite"):
        shutil.copy(sqlite_template, tmp_path / "referrals.db")
        database_url = f"sqlite+aiosqlite:///{tmp_path}/referrals.db"
    else:
        database_url = request.getfixturevalue("postgres_url")
    redis_url = None
    if request.param.startswith("redis"):
        redis: PrivateRedis = request.getfixturevalue("redis_server")
        redis_url = redis.url
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        rate_limit_points=LIMIT,
        max_cost=100,
        gc_tuning=False,
    )


async def _apis(
    stack: AsyncExitStack,
    settings: Settings,
    clock: MovableClock,
    count: int,
    rate_limits: RateLimitStore | None = None,
) -> list[Api]:
    """`count` apps of the same settings, each with its own store, pools and lifespan."""
    apis = []
    for _ in range(count):
        app = create_app(settings, clock=clock, rate_limits=rate_limits)
        await stack.enter_async_context(LifespanManager(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        )
        apis.append(Api(client, settings, clock, app.state.database))
    return apis


@pytest.fixture
async def workers(fleet_settings: Settings, clock: MovableClock) -> AsyncIterator[list[Api]]:
    async with AsyncExitStack() as stack:
        yield await _apis(stack, fleet_settings, clock, 2)


async def _actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


def _seen(response: httpx.Response) -> dict[str, Any]:
    """What a charged response says of the window, in headers and (if it ran) in the field;
    the two must agree."""
    headers = response.headers
    seen = {
        "limit": int(headers["x-ratelimit-limit"]),
        "used": int(headers["x-ratelimit-used"]),
        "remaining": int(headers["x-ratelimit-remaining"]),
        "reset": int(headers["x-ratelimit-reset"]),
    }
    assert seen["remaining"] == seen["limit"] - seen["used"]
    if response.status_code == 200:
        field = response.json()["data"]["rateLimit"]
        assert (field["used"], field["remaining"]) == (seen["used"], seen["remaining"])
        assert (field["limit"], field["cost"]) == (LIMIT, 1)
    return seen


async def test_two_workers_grant_one_budget(workers: list[Api]) -> None:
    first, second = workers
    actor = await _actor(first)
    # In turn: each worker sees the points the other spent.
    turns = [await workers[i % 2].post(QUERY, actor=actor) for i in range(4)]
    assert [r.status_code for r in turns] == [200] * 4
    assert [_seen(r)["used"] for r in turns] == [1, 2, 3, 4]
    # At once, 13 to each: exactly the 6 points left are admitted, over both.
    burst = await asyncio.gather(*(workers[i % 2].post(QUERY, actor=actor) for i in range(26)))
    statuses = [r.status_code for r in burst]
    assert (statuses.count(200), statuses.count(429)) == (LIMIT - 4, 26 - (LIMIT - 4))
    admitted = sorted(_seen(r)["used"] for r in burst if r.status_code == 200)
    assert admitted == list(range(5, LIMIT + 1))
    reset = int((START + timedelta(seconds=60)).timestamp())
    for response in [*turns, *burst]:
        assert _seen(response)["reset"] == reset
    for refused in (r for r in burst if r.status_code == 429):
        assert (_seen(refused)["used"], _seen(refused)["remaining"]) == (LIMIT, 0)
        assert refused.headers["retry-after"] == "60"
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Another organization has a budget of its own; the window's end restores this one's.
    assert (await second.post(QUERY, actor=await _actor(first))).status_code == 200
    first.clock.advance(timedelta(seconds=60))
    renewed = await second.post(QUERY, actor=actor)
    assert (renewed.status_code, _seen(renewed)["used"]) == (200, 1)


def _assert_unavailable(response: httpx.Response, accept: str, message: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    if accept == GQL:
        assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["message"] == message
    assert "x-ratelimit-remaining" not in response.headers  # nothing was counted
    for leak in ("Traceback", "redis", "asyncpg", "127.0.0.1", ".py"):
        assert leak not in response.text


REDIS_DOWN = "The rate limit service is unavailable; retry shortly."
DATABASE_DOWN = "The database is unavailable; retry shortly."


async def test_an_unreachable_redis_answers_503(
    settings: Settings, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    async with AsyncExitStack() as stack:
        (api,) = await _apis(stack, unreachable, clock, 1)
        actor = await _actor(api)
        with caplog.at_level(logging.WARNING):
            for accept in (JSON, GQL):
                response = await api.client.post(
                    "/graphql",
                    json={"query": QUERY},
                    headers={"Authorization": f"Bearer {api.token(actor)}", "Accept": accept},
                )
                _assert_unavailable(response, accept, REDIS_DOWN)
    logged = [r for r in caplog.records if r.name == "referrals.errors"]
    assert [r.message.split(" (")[0] for r in logged] == ["rate limit store unavailable"] * 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unreachable_postgresql_store_answers_503(
    clock: MovableClock, postgres_url: str
) -> None:
    settings = Settings(database_url=postgres_url, gc_tuning=False)
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/referrals"
    store = PostgresRateLimitStore(dead, LIMIT, timedelta(seconds=60), pool_size=1)
    async with AsyncExitStack() as stack:
        (api,) = await _apis(stack, settings, clock, 1, rate_limits=store)
        actor = await _actor(api)
        for accept in (JSON, GQL):
            response = await api.client.post(
                "/graphql",
                json={"query": QUERY},
                headers={"Authorization": f"Bearer {api.token(actor)}", "Accept": accept},
            )
            _assert_unavailable(response, accept, DATABASE_DOWN)


async def test_redis_stopped_and_started_under_two_workers(
    settings: Settings, clock: MovableClock
) -> None:
    with private_redis() as redis:
        fleet = dataclasses.replace(settings, redis_url=redis.url, rate_limit_points=LIMIT)
        async with AsyncExitStack() as stack:
            workers = await _apis(stack, fleet, clock, 2)
            actor = await _actor(workers[0])
            for i in range(3):
                assert (await workers[i % 2].post(QUERY, actor=actor)).status_code == 200
            await asyncio.to_thread(redis.stop)
            for i in range(4):  # the pooled connections are dead, new ones refused
                response = await workers[i % 2].post(QUERY, actor=actor)
                _assert_unavailable(response, JSON, REDIS_DOWN)
            await asyncio.to_thread(redis.start)  # same port, empty: a new window
            back = [await workers[i % 2].post(QUERY, actor=actor) for i in range(2)]
            assert [r.status_code for r in back] == [200, 200]  # the first request succeeds
            assert [_seen(r)["used"] for r in back] == [1, 2]


async def test_a_subscription_is_refused_while_redis_is_unreachable(
    settings: Settings, clock: MovableClock
) -> None:
    unreachable = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    app = create_app(unreachable, clock=clock)
    async with LifespanManager(app), serving(app) as base:
        async with app.state.database.engine.begin() as conn:
            owner = await make_actor(conn)
        token = mint_token(
            unreachable, organization_id=owner.organization_id, user_id=owner.user_id, now=clock()
        )
        async with GraphQLSocket.open(base) as socket_:
            await socket_.init(token)
            code = await _refusal_over_the_socket(socket_, SMALL_EVENTS, "1")
            assert code == "SERVICE_UNAVAILABLE"
            assert len(hub(app)) == 0  # it never started
