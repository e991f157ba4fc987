"""A connection the server ended costs at most the request that met it: no pre-ping needed.

The engine has no `pool_pre_ping` (a round trip per checkout); what the server says when a
connection is used marks it a disconnect, and SQLAlchemy then invalidates the whole pool. A
private cluster (tests/private_cluster.py) has its backends terminated, then is
restarted, under a running app with idle pooled connections.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from db.engine import Database, create_engine, mark_disconnects
from tests.helpers import MovableClock
from tests.private_cluster import PrivateCluster, private_cluster, served_with_a_referral

QUERY = "query Page { referrals(first: 5) { totalCount nodes { id name } } }"
POOL = 4


async def test_a_terminated_session_is_a_disconnect(database_url: str) -> None:
    """An administrator's termination (57P01) invalidates the connection, not only when the
    driver already saw the socket close."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to end a session")
    database = Database(create_engine(database_url, pool_size=1))
    try:
        async with database.engine.connect() as conn:
            with pytest.raises(sa_exc.DBAPIError) as raised:
                await conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            assert raised.value.connection_invalidated
        async with database.engine.connect() as conn:  # the pool connects afresh
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await database.dispose()


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@dataclass
class _Context:
    """The part of SQLAlchemy's ExceptionContext that `handle_error` listeners read and set."""

    original_exception: BaseException
    is_disconnect: bool = False


@pytest.mark.parametrize(
    ("sqlstate", "disconnect"),
    [("57P01", True), ("57P02", True), ("08006", True), ("40001", False), ("23505", False)],
)
def test_server_ended_sessions_are_disconnects_whatever_the_socket_shows(
    sqlstate: str, disconnect: bool
) -> None:
    """asyncpg's dialect trusts the socket; a termination can arrive before it shows closed."""
    context = _Context(_ServerError(sqlstate))
    mark_disconnects(context)  # type: ignore[arg-type]
    assert context.is_disconnect is disconnect


async def _fill_pool(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """POOL requests at once: the pool holds POOL idle connections afterwards."""
    answers = await asyncio.gather(
        *(client.post("/graphql", json={"query": QUERY}, headers=headers) for _ in range(POOL))
    )
    assert all(answer.status_code == 200 for answer in answers)


async def _failures_until_steady(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    """How many of 2 x POOL sequential requests failed; every one after a failure must pass."""
    statuses = [
        (await client.post("/graphql", json={"query": QUERY}, headers=headers)).status_code
        for _ in range(2 * POOL)
    ]
    failed = [status for status in statuses if status != 200]
    assert all(status == 503 for status in failed), statuses
    assert statuses[len(failed) :] == [200] * (2 * POOL - len(failed)), statuses
    return len(failed)


async def _terminate_clients(cluster: PrivateCluster) -> int:
    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres")
    try:
        ended: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the terminations reach the sockets
    return ended


async def test_dead_pooled_connections_cost_at_most_one_request(clock: MovableClock) -> None:
    async with (
        private_cluster() as cluster,
        served_with_a_referral(cluster, clock, pool_size=POOL) as (client, headers),
    ):
        await _fill_pool(client, headers)
        assert await _terminate_clients(cluster) >= POOL
        assert await _failures_until_steady(client, headers) <= 1

        await _fill_pool(client, headers)
        await asyncio.to_thread(cluster.stop, "fast")  # a restart between requests
        await asyncio.to_thread(cluster.start)
        assert await _failures_until_steady(client, headers) <= 1
