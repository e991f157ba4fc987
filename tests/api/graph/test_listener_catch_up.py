"""A worker whose LISTEN connection dropped reads what it missed from the log when it is back,
and `/readyz` says so meanwhile (PostgreSQL: SQLite wakes its listeners in-process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from db import events
from tests.graphql_socket import GraphQLSocket, eventually, hub, note, serving, two_organizations
from tests.helpers import Api


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


class GatedConnect:
    """Stands in for asyncpg.connect in db.events: refuses while `closed` is set."""

    def __init__(self) -> None:
        self.connect = asyncpg.connect
        self.closed = False
        self.refused = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.closed:
            self.refused += 1
            raise OSError("connection refused (test)")
        return await self.connect(*args, **kwargs)


async def test_a_reconnected_listener_catches_up_from_the_log(
    api: Api, app: Starlette, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if api.database.dialect != "postgresql":
        pytest.skip("SQLite has no LISTEN connection")
    owner, _, referral_id = await two_organizations(api)
    gate = GatedConnect()
    monkeypatch.setattr(asyncpg, "connect", gate)  # db.events calls asyncpg.connect
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe()
        await eventually(lambda: len(hub(app)) == 1)
        ready = await api.client.get("/readyz")
        assert ready.json()["checks"] == {"database": "ok", "listener": "connected"}

        gate.closed = True
        async with api.database.engine.begin() as conn:  # drop this database's LISTEN session
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
        await eventually(lambda: gate.refused >= 2)  # retrying, about a second apart at most
        down = await api.client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["listener"] == "disconnected"
        assert down.json()["reason"] == "listener disconnected"

        missed = await note(api, owner, referral_id, "while nobody listened")  # NOTIFY lost
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await socket_.receive()
        gate.closed = False
        assert (await socket_.event())["activity"]["id"] == missed
        listener = hub(app).listener
        assert listener is not None
        assert listener.reconnects == 1
        assert (await api.client.get("/readyz")).status_code == 200


def test_reconnection_back_off_is_capped_near_a_second_with_jitter() -> None:
    delays = events.backoff_delays()
    waits = [next(delays) for _ in range(40)]
    assert all(0 < wait <= events.BACKOFF_CAP for wait in waits)
    assert waits[0] <= events.BACKOFF_FIRST
    late = waits[10:]
    assert min(late) >= events.BACKOFF_CAP / 2
    assert len(set(late)) > 1  # jittered, not in step
