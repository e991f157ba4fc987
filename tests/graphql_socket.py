"""A graphql-transport-ws test client, uvicorn serving the app in the test's loop, and the
few helpers the WebSocket tests share."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import uvicorn
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.graph.relay.ids import to_global_id
from api.graph.subscriptions.hub import EventHub
from db import writes
from db.access import Viewer
from db.engine import Database
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api

EVENTS = """subscription Events($id: ID) { referralEvents(referralId: $id) {
  activity { id type note }
  referral { id version customerProfile { contact { email phoneNumber } } }
} }"""
NOTE = """mutation ($input: AddReferralNoteInput!) { addReferralNote(input: $input) {
  activity { id } userErrors { code }
} }"""
INVITE = """mutation ($input: InviteParticipantInput!) { inviteParticipant(input: $input) {
  participant { id } userErrors { code }
} }"""
STATUS = """mutation ($input: ChangeReferralStatusInput!) { changeReferralStatus(input: $input) {
  userErrors { code }
} }"""
WAIT = 10.0  # seconds: the bound of every wait in these tests


# --- a graphql-transport-ws client and a server -------------------------------------------


class GraphQLSocket:
    """A graphql-transport-ws client over one `websockets` connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def open(cls, base: str, **options: Any) -> AsyncIterator[GraphQLSocket]:
        async with connect(
            f"ws://{base}/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=WAIT,
            close_timeout=2,
            **options,
        ) as connection:
            yield cls(connection)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        async with asyncio.timeout(WAIT):
            message: dict[str, Any] = json.loads(await self.connection.recv())
        return message

    async def init(self, token: str) -> None:
        await self.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        )
        assert await self.receive() == {"type": "connection_ack"}

    async def subscribe(
        self, query: str = EVENTS, variables: dict[str, Any] | None = None, *, id: str = "1"
    ) -> None:
        await self.send(
            {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def event(self) -> dict[str, Any]:
        """The next `next` message's referralEvents."""
        message = await self.receive()
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        event: dict[str, Any] = message["payload"]["data"]["referralEvents"]
        return event

    async def closed(self) -> tuple[int | None, str | None]:
        """Read until the server closes; its close code and reason."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    await self.connection.recv()
        except ConnectionClosed as closed:
            frame = closed.rcvd
            return (frame.code, frame.reason) if frame else (None, None)


def listening_socket(send_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:  # accepted connections inherit it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serving(app: Starlette, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """The (already started) app behind uvicorn on 127.0.0.1, in this loop; host:port."""
    sock = sock or listening_socket()
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await eventually(lambda: server.started)
        host, port = sock.getsockname()
        yield f"{host}:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(WAIT):
            await task
        sock.close()


async def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def active_subscriptions() -> float:
    return REGISTRY.get_sample_value("referrals_subscriptions_active") or 0.0


def hub(app: Starlette) -> EventHub:
    events: EventHub = app.state.events
    return events


async def two_organizations(api: Api) -> tuple[Actor, Actor, uuid.UUID]:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
    return owner, partner, rows.id


def referral_gid(pk: uuid.UUID) -> str:
    return to_global_id("Referral", pk)


async def note(api: Api, actor: Actor, referral_id: uuid.UUID, text: str) -> str:
    data = await api.query(
        NOTE, {"input": {"referralId": referral_gid(referral_id), "note": text}}, actor=actor
    )
    activity_id: str = data["addReferralNote"]["activity"]["id"]
    return activity_id


async def add_note(database: Database, owner: Actor, referral_id: uuid.UUID, index: int) -> None:
    viewer = Viewer(owner.organization_id, owner.user_id, START)
    await writes.add_note(database, viewer, referral_id, f"{index} " + "x" * 1990)
