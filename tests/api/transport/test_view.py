"""The view: each batch member answers for itself, the resolver deadline, and the cheap HTTP checks
before authentication."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.settings import Settings
from db import reads
from tests.api.transport.support import (
    GQL,
    JSON,
    QUERY,
    api_with,
    auth_headers,
    media_type_of,
    new_actor,
    only_error,
    padded,
)
from tests.helpers import Api, MovableClock


async def test_each_operation_of_a_batch_answers_for_itself(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, batching=True) as api:
        actor = await new_actor(api)
        response = await api.client.post(
            "/graphql",
            json=[
                {"query": QUERY},
                {"query": "{ noSuchField }"},
                {"query": "query A { __typename }", "operationName": "B"},
            ],
            headers=auth_headers(api, actor, Accept=GQL),
        )
        assert response.status_code == 200
        ok, invalid, unknown = response.json()
        assert ok["data"] == {"referrals": {"totalCount": 0}}
        assert "data" not in invalid
        assert "Cannot query field" in invalid["errors"][0]["message"]
        assert unknown["errors"][0]["message"] == 'Unknown operation named "B".'
        bad_member = await api.client.post(
            "/graphql", json=[{"query": QUERY}, 7], headers=auth_headers(api, actor)
        )
        assert bad_member.status_code == 400
        assert only_error(bad_member)["message"] == (
            "Operation 1 of the batch must be an object, not a number."
        )


# --- Resolver deadline --------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "status"), [(GQL, 504), (JSON, 200)])
async def test_a_slow_operation_ends_at_its_deadline(
    settings: Settings,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
    accept: str,
    status: int,
) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    real_counts = reads.referral_counts

    async def slow_counts(*args: Any) -> Any:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return await real_counts(*args)

    async with api_with(settings, clock, resolver_deadline_seconds=0.2) as api:
        actor = await new_actor(api)
        monkeypatch.setattr(reads, "referral_counts", slow_counts)
        loop = asyncio.get_running_loop()
        began = loop.time()
        response = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Accept=accept)
        )
        assert loop.time() - began < 5
        assert response.status_code == status, response.text
        body = response.json()
        (error,) = body["errors"]
        assert error["message"] == "The operation exceeded its 0.2 s deadline."
        assert error["extensions"] == {"code": "DEADLINE_EXCEEDED"}
        assert ("data" in body) == (accept == JSON)
        assert "Traceback" not in response.text
        assert started.is_set()
        # The pending read is cancelled (its DataLoader batch task, as the operation unwinds).
        await asyncio.wait_for(cancelled.wait(), timeout=1)
        # And the request's connection went back to the pool before it answered.
        assert api.database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        monkeypatch.undo()
        again = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Accept=accept)
        )
        assert again.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_the_deadline_cancels_a_running_postgresql_query(
    settings: Settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sleeping_counts(conn: AsyncConnection, *args: Any) -> Any:
        await conn.execute(text("SELECT pg_sleep(30)"))
        raise AssertionError("pg_sleep was not cancelled")

    async with api_with(settings, clock, resolver_deadline_seconds=0.5) as api:
        if api.database.dialect != "postgresql":
            pytest.skip("SQLite statements run in a thread that cancellation does not reach")
        actor = await new_actor(api)
        monkeypatch.setattr(reads, "referral_counts", sleeping_counts)
        response = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Accept=GQL)
        )
        assert response.status_code == 504
        assert api.database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        running = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
        )
        for _ in range(50):
            async with api.database.engine.connect() as conn:
                if await conn.scalar(running) == 0:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the query still runs after its deadline")


# --- Order: cheap HTTP checks before authentication ----------------------------------------

Sender = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (lambda client: client.put("/graphql", json={"query": QUERY}), 405),
        (
            lambda client: client.post(
                "/graphql", json={"query": QUERY}, headers={"Accept": "text/plain"}
            ),
            406,
        ),
        (
            lambda client: client.post(
                "/graphql", content=b"query=x", headers={"Content-Type": "text/plain"}
            ),
            415,
        ),
        (
            lambda client: client.post(
                "/graphql", content=padded(2 * 1024 * 1024), headers={"Content-Type": JSON}
            ),
            413,
        ),
        (lambda client: client.post("/graphql", content=b"{", headers={"Content-Type": JSON}), 400),
        (lambda client: client.post("/graphql", json={"query": QUERY}), 401),
    ],
    ids=["method", "accept", "content-type", "body-size", "body", "auth"],
)
async def test_http_checks_come_before_authentication(api: Api, send: Sender, status: int) -> None:
    response = await send(api.client)
    assert response.status_code == status
    error = only_error(response)
    if status == 401:
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_401_uses_the_negotiated_media_type(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": QUERY}, headers={"Accept": GQL})
    assert response.status_code == 401
    assert media_type_of(response) == GQL
    assert only_error(response)["extensions"]["code"] == "UNAUTHENTICATED"
