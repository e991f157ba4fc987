"""The rate limit's stores: the same windows in memory, PostgreSQL and Redis; two workers of
one shared store admit exactly the budget between them; an unreachable store is an outage."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from api.errors import ErrorCode
from api.guards.budget import (
    InMemoryRateLimitStore,
    RateLimitState,
    RateLimitStore,
    RateLimitUnavailable,
)
from api.guards.budget_redis import RedisRateLimitStore
from api.guards.budget_stores import PostgresRateLimitStore, rate_limit_store
from api.settings import Settings
from tests.conftest import START
from tests.redis_server import PrivateRedis, closed_port

WINDOW = timedelta(seconds=60)
StoreFactory = Callable[[int], RateLimitStore]  # a store (a worker's) of `limit` points


@pytest.fixture(params=["memory", "postgresql", "redis"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    """Makes stores of one kind; the shared kinds' stores count in one place, as two workers'
    would. Closed at the end."""
    made: list[RateLimitStore] = []

    def make(limit: int) -> RateLimitStore:
        store: RateLimitStore
        if request.param == "memory":
            store = InMemoryRateLimitStore(limit, WINDOW)
        elif request.param == "postgresql":
            url: str = request.getfixturevalue("postgres_url")
            store = PostgresRateLimitStore(url, limit, WINDOW, pool_size=5)
        else:
            redis: PrivateRedis = request.getfixturevalue("redis_server")
            store = RedisRateLimitStore(redis.url, limit, WINDOW)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


async def test_a_store_charges_within_a_window_and_resets_after_it(stores: StoreFactory) -> None:
    store = stores(10)
    org = uuid.uuid4()
    first = await store.charge(org, 6, now=START)
    assert (first.allowed, first.used, first.reset_at) == (True, 6, START + WINDOW)
    dry = await store.charge(org, 4, now=START, dry_run=True)
    assert (dry.allowed, dry.used) == (True, 6)
    refused = await store.charge(org, 5, now=START + timedelta(seconds=59))
    assert (refused.allowed, refused.used, refused.remaining) == (False, 6, 4)
    assert refused.retry_after(START + timedelta(seconds=59)) == 1.0
    # The refusal spent nothing: what is left still fits.
    rest = await store.charge(org, 4, now=START + timedelta(seconds=59))
    assert (rest.allowed, rest.used, rest.remaining) == (True, 10, 0)
    after = await store.charge(org, 5, now=START + timedelta(seconds=60))
    assert (after.allowed, after.used, after.reset_at) == (True, 5, START + 2 * WINDOW)
    other = await store.charge(uuid.uuid4(), 10, now=START + timedelta(seconds=60))
    assert (other.allowed, other.used) == (True, 10)  # organizations do not share


async def _charge_all(
    workers: list[RateLimitStore], org: uuid.UUID, costs: list[int]
) -> list[RateLimitState]:
    """Every charge at once, spread over the workers in turn."""
    return await asyncio.gather(
        *(
            workers[i % len(workers)].charge(org, cost, now=START + timedelta(seconds=i % 7))
            for i, cost in enumerate(costs)
        )
    )


@pytest.mark.parametrize("stores", ["postgresql", "redis"], indirect=True)
async def test_two_workers_admit_exactly_one_budget_between_them(stores: StoreFactory) -> None:
    workers = [stores(50), stores(50)]
    org = uuid.uuid4()
    states = await _charge_all(workers, org, [1] * 120)
    admitted = [s for s in states if s.allowed]
    assert len(admitted) == 50
    # Each admitted charge saw its own count: the charges were ordered, none lost.
    assert sorted(s.used for s in admitted) == list(range(1, 51))
    assert all(s.used == 50 and s.remaining == 0 for s in states if not s.allowed)
    assert len({s.reset_at for s in states}) == 1  # one window for both workers
    # Refusals spent nothing: at cost 3, 16 charges fit (48), and then one of 2 still does.
    other = uuid.uuid4()
    costly = await _charge_all(workers, other, [3] * 40)
    assert sum(s.allowed for s in costly) == 16
    last = await workers[1].charge(other, 2, now=START + timedelta(seconds=30))
    assert (last.allowed, last.used) == (True, 50)


@pytest.mark.parametrize("stores", ["postgresql"], indirect=True)
async def test_a_postgresql_charge_is_one_statement_outside_any_transaction(
    stores: StoreFactory,
) -> None:
    store = stores(100)
    assert isinstance(store, PostgresRateLimitStore)
    sent: list[str] = []  # what SQLAlchemy executes
    driver: list[str] = []  # what asyncpg sends as plain queries (BEGIN, COMMIT, ROLLBACK)

    def executing(*args: Any) -> None:
        sent.append(args[2])

    def connected(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda q: driver.append(q.query))

    event.listen(store.engine.sync_engine, "before_cursor_execute", executing)
    event.listen(store.engine.sync_engine, "connect", connected)
    org = uuid.uuid4()
    for i in range(5):
        await store.charge(org, 1, now=START + timedelta(seconds=i))
    assert len(sent) == 5
    assert all(s.lstrip().startswith("INSERT INTO rate_limit_window") for s in sent)
    assert driver == []  # no BEGIN, COMMIT or ROLLBACK: one round trip each


@pytest.mark.parametrize("stores", ["postgresql"], indirect=True)
async def test_the_postgresql_table_is_unlogged_with_room_for_hot_updates(
    stores: StoreFactory,
) -> None:
    store = stores(10)
    assert isinstance(store, PostgresRateLimitStore)
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT relpersistence::text AS relpersistence, reloptions FROM pg_class "
                    "WHERE relname = 'rate_limit_window'"
                )
            )
        ).one()
    assert (row.relpersistence, row.reloptions) == ("u", ["fillfactor=50"])


@pytest.mark.parametrize("kind", ["postgresql", "redis"])
async def test_an_unreachable_store_refuses_as_an_outage(kind: str) -> None:
    store: RateLimitStore
    if kind == "postgresql":
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/referrals"
        store = PostgresRateLimitStore(url, 10, WINDOW, pool_size=1)
    else:
        store = RedisRateLimitStore(f"redis://127.0.0.1:{closed_port()}/0", 10, WINDOW)
    try:
        with pytest.raises(RateLimitUnavailable) as raised:
            await asyncio.wait_for(store.charge(uuid.uuid4(), 1, now=START), timeout=30)
    finally:
        await store.close()
    assert raised.value.extensions == {"code": ErrorCode.SERVICE_UNAVAILABLE.value}
    assert "unavailable; retry shortly" in raised.value.message
    assert raised.value.__cause__ is not None  # the driver's error, for the log


def test_the_store_follows_the_settings(tmp_path: Any) -> None:
    sqlite = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db")
    postgresql = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/x")
    redis = "redis://127.0.0.1:6379/0"
    cases = [
        (sqlite, InMemoryRateLimitStore),
        (postgresql, PostgresRateLimitStore),
        (Settings(database_url=sqlite.database_url, redis_url=redis), RedisRateLimitStore),
        (Settings(database_url=postgresql.database_url, redis_url=redis), RedisRateLimitStore),
    ]
    for settings, kind in cases:
        store = rate_limit_store(settings)
        assert isinstance(store, kind), settings.database_url
        asyncio.run(store.close())
