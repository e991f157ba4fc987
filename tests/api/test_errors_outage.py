"""A database outage answers 503 with Retry-After and SERVICE_UNAVAILABLE, never a masked bug.

Two levels: the app with its database swapped for one that cannot be reached (a closed port,
a SQLite file in a directory that does not exist), fast and on both engines; and a private
PostgreSQL cluster (initdb into a temporary directory, its own port) stopped hard under the
running app and started again, after which the same app, pool and all, answers 200.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette

from api.app import create_app
from api.errors import is_outage
from api.settings import Settings
from db.engine import Database, create_engine
from db.tables import referral
from tests.api.observability.scraping import sample, scrape
from tests.factories import make_actor, new_referral
from tests.helpers import Actor, Api, MovableClock
from tests.private_cluster import closed_port, private_cluster, served_with_a_referral

GQL = "application/graphql-response+json"
JSON = "application/json"
QUERY = "query Page { referrals(first: 5) { totalCount nodes { id name } } }"
CREATE = """mutation Create($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { message } } }"""
LEAKS = ("Traceback", "sqlalchemy", "asyncpg", "sqlite", "SELECT", "INSERT", ".py", "/tmp/")


# --- What counts as an outage ---------------------------------------------------------------


def _sqlite_cannot_open() -> sqlite3.OperationalError:
    try:
        sqlite3.connect("/nonexistent-directory/referrals.db")
    except sqlite3.OperationalError as error:
        return error
    raise AssertionError("SQLite opened a file in a directory that does not exist")


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)"),
        ConnectionResetError(),
        socket.gaierror(-2, "Name or service not known"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        _wrapped(RuntimeError("gone"), invalidated=True),
        sa_exc.OperationalError("SELECT 1", {}, _sqlite_cannot_open()),
        sa_exc.InterfaceError("SELECT 1", {}, ConnectionRefusedError()),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    ],
    ids=repr,
)
def test_connection_failures_are_outages(error: BaseException) -> None:
    assert is_outage(error)
    with pytest.raises(RuntimeError) as raised:  # as it reaches the masking: from our code
        raise RuntimeError("while loading referrals") from error
    assert is_outage(raised.value)


@pytest.mark.parametrize(
    "error",
    [
        None,
        ValueError("bad"),
        RuntimeError("connection to /var/secret/db.sqlite failed"),
        sqlite3.OperationalError("no such table: referral"),
        sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x")),
        asyncpg.UniqueViolationError("duplicate key value"),
        sa_exc.IntegrityError("INSERT", {}, RuntimeError("duplicate")),
        _wrapped(RuntimeError("syntax error at or near")),
    ],
    ids=repr,
)
def test_bugs_and_refusals_are_not_outages(error: BaseException | None) -> None:
    assert not is_outage(error)


# --- The app with an unreachable database ---------------------------------------------------


def _unreachable(kind: str, tmp_path: Path) -> Database:
    if kind == "postgresql-closed-port":
        return Database(
            create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/referrals")
        )
    # Not db.engine.create_engine: it would make the missing directory.
    return Database(create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/referrals.db"))


async def _owner(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


async def _referral_count(database: Database) -> int:
    async with database.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)


def _assert_unavailable(response: httpx.Response, accept: str) -> dict[str, Any]:
    """503, Retry-After, and one SERVICE_UNAVAILABLE error with the request's id."""
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith(accept)
    body: dict[str, Any] = response.json()
    if accept == GQL:
        assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
    assert error["message"] == "The database is unavailable; retry shortly.", body
    for leak in LEAKS:
        assert leak not in response.text, f"{leak!r} leaked: {response.text}"
    return body


@contextmanager
def _database_swapped(app: Starlette, database: Database) -> Iterator[None]:
    working = app.state.database
    app.state.database = database
    try:
        yield
    finally:
        app.state.database = working


@pytest.mark.parametrize("kind", ["postgresql-closed-port", "sqlite-missing-directory"])
async def test_an_unreachable_database_answers_503_and_writes_nothing(
    api: Api, app: Starlette, tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    owner = await _owner(api)
    headers = {"Authorization": f"Bearer {api.token(owner)}"}
    before = await scrape(api)
    dead = _unreachable(kind, tmp_path)
    try:
        with _database_swapped(app, dead), caplog.at_level(logging.WARNING):
            for accept in (JSON, GQL):
                query = await api.client.post(
                    "/graphql",
                    json={"query": QUERY, "operationName": "Page"},
                    headers={**headers, "Accept": accept},
                )
                _assert_unavailable(query, accept)
                mutation = await api.client.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"input": new_referral()}},
                    headers={**headers, "Accept": accept},
                )
                _assert_unavailable(mutation, accept)
            over_get = await api.client.get("/graphql", params={"query": QUERY}, headers=headers)
            _assert_unavailable(over_get, JSON)
            # A persisted query's hash is looked up before execution: 503 there too.
            persisted = await api.client.post(
                "/graphql",
                json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}},
                headers=headers,
            )
            _assert_unavailable(persisted, JSON)
            assert (await api.client.get("/readyz")).status_code == 503
    finally:
        await dead.dispose()
    after = await scrape(api)
    assert await _referral_count(api.database) == 0  # neither mutation wrote anything
    assert (await api.client.get("/readyz")).status_code == 200

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("referrals_graphql_errors_total", code="SERVICE_UNAVAILABLE") == 5
    assert delta("referrals_graphql_errors_total", code="INTERNAL_SERVER_ERROR") == 0
    graphql_503 = {"route": "/graphql", "method": "POST", "status": "503"}
    assert delta("referrals_http_requests_total", **graphql_503) == 5
    assert delta("referrals_http_requests_total", **{**graphql_503, "method": "GET"}) == 1
    # The log says so, once per request, with the request's id and without a traceback.
    outages = [r for r in caplog.records if r.name == "referrals.errors"]
    assert len(outages) == 6, [r.getMessage() for r in outages]
    assert all("database unavailable" in r.getMessage() for r in outages)
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in outages)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_batch_meeting_an_outage_says_when_to_retry(
    settings: Settings, clock: MovableClock, tmp_path: Path
) -> None:
    batching = dataclasses.replace(settings, batching=True)
    app = create_app(batching, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        api = Api(client, batching, clock, app.state.database)
        owner = await _owner(api)
        dead = _unreachable("sqlite-missing-directory", tmp_path)
        try:
            with _database_swapped(app, dead):
                response = await client.post(
                    "/graphql",
                    json=[{"query": QUERY}, {"query": "{ __typename }"}],
                    headers={"Authorization": f"Bearer {api.token(owner)}"},
                )
        finally:
            await dead.dispose()
    assert response.status_code == 200  # each member answers for itself
    assert int(response.headers["retry-after"]) >= 1
    unavailable, fine = response.json()
    assert unavailable["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert fine["data"] == {"__typename": "Query"}


# --- A private PostgreSQL cluster (tests/private_cluster.py), stopped and started under the app


async def _eventually_ok(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    """Requests until one answers 200 (the pool reconnects); how many it took, at most 10."""
    for attempt in range(1, 11):
        response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        if response.status_code == 200:
            return attempt
        _assert_unavailable(response, JSON)
        await asyncio.sleep(0.2)
    raise AssertionError("the app did not recover after PostgreSQL came back")


async def _eventually_ready(client: httpx.AsyncClient) -> dict[str, Any]:
    """/readyz until it answers 200 (within 5 s); its body."""
    for _ in range(50):
        response = await client.get("/readyz")
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"not ready after PostgreSQL came back: {response.json()}")


async def test_postgresql_stopped_and_restarted_under_the_app(clock: MovableClock) -> None:
    async with (
        private_cluster() as cluster,
        served_with_a_referral(cluster, clock, pool_size=2) as (client, headers),
    ):
        ok = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        assert ok.status_code == 200, ok.text
        assert ok.json()["data"]["referrals"]["totalCount"] == 1

        await asyncio.to_thread(cluster.stop, "immediate")
        # The pool's idle connections are dead now, and new ones are refused.
        for _ in range(2):
            for accept in (JSON, GQL):
                down = await client.post(
                    "/graphql", json={"query": QUERY}, headers={**headers, "Accept": accept}
                )
                _assert_unavailable(down, accept)
        write = await client.post(
            "/graphql",
            json={
                "query": CREATE,
                "variables": {"input": new_referral(name=str(uuid.uuid4()))},
            },
            headers=headers,
        )
        _assert_unavailable(write, JSON)
        assert (await client.get("/readyz")).status_code == 503

        await asyncio.to_thread(cluster.start)
        assert await _eventually_ok(client, headers) == 1  # the first request succeeds
        again = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        assert again.status_code == 200
        assert again.json()["data"]["referrals"]["totalCount"] == 1  # nothing was written
        # Ready again once the LISTEN connection is back too (back-off at most ~1 s).
        assert (await _eventually_ready(client))["checks"]["listener"] == "connected"
