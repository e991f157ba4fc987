"""Resumable subscriptions: replay after a cursor, then live, with nothing lost or repeated."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.graph.relay.event_cursors import to_event_cursor
from api.graph.subscriptions import changes
from api.settings import Settings
from db import event_log
from db.access import Viewer
from db.engine import Database
from db.event_log import EventRecord, PendingEvent
from db.models import ActivityType
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.graphql_socket import (
    GraphQLSocket,
    eventually,
    hub,
    note,
    referral_gid,
    serving,
    two_organizations,
)
from tests.helpers import Actor, Api, MovableClock

RESUMABLE = """subscription Events($id: ID, $after: String) {
  referralEvents(referralId: $id, after: $after) { eventId cursor activity { id note } }
}"""


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


@pytest.fixture
async def sockets() -> AsyncIterator[AsyncExitStack]:
    """Where a test's sockets are opened: all closed at its end, wherever it stopped."""
    async with AsyncExitStack() as stack:
        yield stack


async def _subscribe(
    sockets: AsyncExitStack,
    base: str,
    api: Api,
    actor: Actor,
    after: str | None = None,
    referral: uuid.UUID | None = None,
) -> GraphQLSocket:
    socket_ = await sockets.enter_async_context(GraphQLSocket.open(base))
    await socket_.init(api.token(actor))
    variables = {"after": after, "id": None if referral is None else referral_gid(referral)}
    await socket_.subscribe(RESUMABLE, variables)
    return socket_


async def _close(socket_: GraphQLSocket) -> None:
    await socket_.connection.close()


async def _notes(api: Api, actor: Actor, referral_id: uuid.UUID, texts: Sequence[str]) -> list[str]:
    return [await note(api, actor, referral_id, text) for text in texts]


async def test_resuming_replays_what_was_missed_then_goes_live(
    api: Api, app: Starlette, server: str, sockets: AsyncExitStack
) -> None:
    owner, partner, referral_id = await two_organizations(api)
    async with api.database.engine.begin() as conn:  # the partner's own: never shown to owner
        foreign = (await make_referral(conn, partner, created=START)).id
    first = await _subscribe(sockets, server, api, owner)
    await eventually(lambda: len(hub(app)) == 1)
    (seen,) = await _notes(api, owner, referral_id, ["seen"])
    received = await first.event()
    assert received["activity"]["id"] == seen
    assert uuid.UUID(received["eventId"])  # the stable event ID is a UUID
    await _close(first)

    missed = await _notes(api, owner, referral_id, ["missed 1", "missed 2"])
    await _notes(api, partner, foreign, ["not yours"])
    resumed = await _subscribe(sockets, server, api, owner, after=received["cursor"])
    replayed = [await resumed.event(), await resumed.event()]
    assert [e["activity"]["id"] for e in replayed] == missed
    await eventually(lambda: len(hub(app)) == 1)
    live = await _notes(api, owner, referral_id, ["live"])
    assert (await resumed.event())["activity"]["id"] == live[0]
    # The replay's cursor resumes too: only what follows it.
    again = await _subscribe(sockets, server, api, owner, after=replayed[0]["cursor"])
    assert [(await again.event())["activity"]["id"] for _ in range(2)] == [missed[1], live[0]]
    for socket_ in (resumed, again):
        await _close(socket_)


async def test_no_gap_and_no_duplicate_at_the_seam_while_writes_go_on(
    api: Api, app: Starlette, server: str, sockets: AsyncExitStack
) -> None:
    """Writes keep committing while a subscriber replays: every event arrives exactly once,
    in order, whether the replay or the live queue carried it."""
    owner, _, referral_id = await two_organizations(api)
    before = await _notes(api, owner, referral_id, [f"before {n}" for n in range(30)])
    writing = asyncio.create_task(
        _notes(api, owner, referral_id, [f"during {n}" for n in range(30)])
    )
    socket_ = await _subscribe(
        sockets, server, api, owner, after=to_event_cursor(0), referral=referral_id
    )
    during = await writing
    expected = before + during
    got = [(await socket_.event())["activity"]["id"] for _ in expected]
    assert got == expected
    after = await _notes(api, owner, referral_id, ["after"])
    assert (await socket_.event())["activity"]["id"] == after[0]  # nothing repeated before it
    await _close(socket_)


async def test_one_read_of_the_log_per_wake_up_for_all_subscribers(
    api: Api, app: Starlette, server: str, sockets: AsyncExitStack
) -> None:
    owner, _, referral_id = await two_organizations(api)
    three = [await _subscribe(sockets, server, api, owner) for _ in range(3)]
    await eventually(lambda: len(hub(app)) == 3)
    reads = hub(app).reads_done
    (activity_id,) = await _notes(api, owner, referral_id, ["once"])
    for socket_ in three:
        assert (await socket_.event())["activity"]["id"] == activity_id
        await _close(socket_)
    assert hub(app).reads_done - reads == 1


async def test_a_worker_without_subscribers_reads_no_log_for_a_write(
    api: Api, app: Starlette, server: str, sockets: AsyncExitStack
) -> None:
    owner, _, referral_id = await two_organizations(api)
    await eventually(lambda: len(hub(app)) == 0)
    reads = hub(app).reads_done
    await _notes(api, owner, referral_id, ["unheard"])
    async with api.database.engine.connect() as conn:
        newest = await event_log.latest_position(conn)
    await eventually(lambda: hub(app).position == newest)
    assert hub(app).reads_done == reads
    # A subscriber that comes later gets what follows, not what it did not subscribe to.
    socket_ = await _subscribe(sockets, server, api, owner)
    await eventually(lambda: len(hub(app)) == 1)
    (activity_id,) = await _notes(api, owner, referral_id, ["heard"])
    assert (await socket_.event())["activity"]["id"] == activity_id
    await _close(socket_)


async def _append_old(database: Database, referral_id: uuid.UUID, days_ago: int) -> None:
    async with database.engine.begin() as conn:
        await event_log.append(
            conn,
            [
                PendingEvent(
                    uuid.uuid4(),
                    referral_id,
                    ActivityType.UPDATED,
                    START - timedelta(days=days_ago),
                )
            ],
        )


async def test_a_cursor_older_than_retention_is_refused_naming_after(
    api: Api, app: Starlette, server: str, sockets: AsyncExitStack
) -> None:
    owner, _, referral_id = await two_organizations(api)
    await _append_old(api.database, referral_id, days_ago=60)
    async with api.database.engine.begin() as conn:
        assert await event_log.prune(conn, START - timedelta(days=30)) == 1
    socket_ = await _subscribe(sockets, server, api, owner, after=to_event_cursor(0))
    message = await socket_.receive()
    assert message["type"] == "error", message
    (error,) = message["payload"]
    assert error["extensions"] == {"code": "EVENTS_EXPIRED", "argument": "after"}
    assert "`after`" in error["message"]
    await _close(socket_)
    malformed = await _subscribe(sockets, server, api, owner, after="not-a-cursor")
    message = await malformed.receive()
    assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await _close(malformed)


class HeldReads:
    """Stands in for `changes.read`: once `hold` is set, each read waits for `release`."""

    def __init__(self) -> None:
        self.read = changes.read
        self.hold = False
        self.released = asyncio.Event()

    async def __call__(
        self, database: Database, viewer: Viewer, events: Sequence[EventRecord]
    ) -> changes.EventRows:
        if self.hold:
            await self.released.wait()
        return await self.read(database, viewer, events)


async def test_a_slow_subscriber_closed_with_1013_resumes_and_loses_nothing(
    database_url: str,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
    sockets: AsyncExitStack,
) -> None:
    held = HeldReads()
    monkeypatch.setattr(changes, "read", held)
    settings = Settings(database_url=database_url, subscription_queue_size=2, gc_tuning=False)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app), serving(app) as base:
        api = Api(_client(app), settings, clock, app.state.database)
        async with api.database.engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            referral_id = (await make_referral(conn, owner, created=START)).id
        slow = await _subscribe(sockets, base, api, owner)
        await eventually(lambda: len(hub(app)) == 1)
        written = await _notes(api, owner, referral_id, ["1"])
        events = [await slow.event()]
        held.hold = True  # the subscriber stalls on its next event while writes go on
        written += await _notes(api, owner, referral_id, ["2", "3", "4", "5"])
        await eventually(lambda: hub(app).overflows == 1)
        held.released.set()
        events += await _until_closed(slow, code=1013)
        await _close(slow)

        resumed = await _subscribe(sockets, base, api, owner, after=events[-1]["cursor"])
        while len(events) < len(written):
            events.append(await resumed.event())
        await eventually(lambda: len(hub(app)) == 1)
        written += await _notes(api, owner, referral_id, ["6"])
        events.append(await resumed.event())
        await _close(resumed)
        await api.client.aclose()
    assert [e["activity"]["id"] for e in events] == written
    assert len({e["eventId"] for e in events}) == len(written)


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _until_closed(socket_: GraphQLSocket, *, code: int) -> list[dict[str, Any]]:
    """The events received before the server closed the connection with `code`."""
    events = []
    received: int | None = None
    try:
        while True:
            events.append(await _next_event(socket_))
    except ConnectionClosed as closed:
        received = None if closed.rcvd is None else closed.rcvd.code
    assert received == code
    return events


async def _next_event(socket_: GraphQLSocket) -> dict[str, Any]:
    message = await socket_.receive()
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["referralEvents"]
    return event
