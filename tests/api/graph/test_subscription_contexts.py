"""Subscriptions sharing one WebSocket each resolve with a context (and loaders) of their own.

Races between two deliveries are made deterministic by holding each delivery's read of its
event (`api.graph.subscriptions.changes.read`) until the test lets it go, in the order the
test chooses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from starlette.applications import Starlette

from api.graph.subscriptions import changes
from db.access import Viewer
from db.engine import Database
from db.event_log import EventRecord
from tests.graphql_socket import (
    GraphQLSocket,
    eventually,
    hub,
    note,
    referral_gid,
    serving,
    two_organizations,
)
from tests.helpers import Api

# The referral's version twice: on the event's referral, and through a nested field that
# reads it again via the loaders (participants -> referralView).
EVENTS = """subscription ($id: ID) { referralEvents(referralId: $id) {
  activity { note }
  referral { version participants { referralView { version } } }
} }"""


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


class HeldReads:
    """Stands in for `read`: reads, then waits (while holding) until `stop` lets it go on."""

    def __init__(self) -> None:
        self.read = changes.read
        self.gates: list[asyncio.Event] = []
        self.holding = True

    async def __call__(
        self, database: Database, viewer: Viewer, events: Sequence[EventRecord]
    ) -> changes.EventRows:
        rows = await self.read(database, viewer, events)
        if self.holding:
            gate = asyncio.Event()
            self.gates.append(gate)
            await gate.wait()
        return rows

    def stop(self) -> None:
        self.holding = False
        for gate in self.gates:
            gate.set()


async def event_of(socket_: GraphQLSocket, id: str) -> dict[str, Any]:
    message = await socket_.receive()
    assert (message["type"], message["id"]) == ("next", id), message
    assert "errors" not in message["payload"], message
    event: dict[str, Any] = message["payload"]["data"]["referralEvents"]
    return event


async def test_a_delivery_never_reads_another_subscriptions_loaders(
    api: Api, app: Starlette, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Subscription A reads its change (version 2) and is held; meanwhile the referral moves
    to version 3 and subscription B starts on the same socket, loading the referral. When
    they shared the socket's loaders, A then resolved its nested fields from B's cache:
    version 3 inside an event of version 2."""
    owner, _, referral_id = await two_organizations(api)
    held = HeldReads()
    monkeypatch.setattr(changes, "read", held)
    variables = {"id": referral_gid(referral_id)}
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe(EVENTS, variables, id="a")
        await eventually(lambda: len(hub(app)) == 1)
        await note(api, owner, referral_id, "first")  # version 2: A reads it, and is held
        await eventually(lambda: len(held.gates) == 1)
        await note(api, owner, referral_id, "second")  # version 3, queued for A

        await socket_.subscribe(EVENTS, variables, id="b")  # B looks the referral up
        await eventually(lambda: len(hub(app)) == 2)

        held.stop()
        first = await event_of(socket_, "a")
        assert first["activity"]["note"] == "first"
        assert first["referral"]["version"] == 2
        assert first["referral"]["participants"][0]["referralView"]["version"] == 2
        second = await event_of(socket_, "a")  # B subscribed after it: only A has it
        assert second["activity"]["note"] == "second"
        assert second["referral"]["version"] == 3
        assert second["referral"]["participants"][0]["referralView"]["version"] == 3
