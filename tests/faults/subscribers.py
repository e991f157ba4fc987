"""graphql-ws subscribers that survive their worker: on any loss they reconnect to a live
worker and, when the API has resumable subscriptions, resume from their last cursor."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from tests.faults.writers import gid, pk

# Issue 13's surface (EVENTLOG-INTERFACE.md): each event names its stable ID and its cursor.
RESUMING = """subscription Events($id: ID, $after: String) {
  referralEvents(referralId: $id, after: $after) { eventId cursor activity { id } referral { id } }
}"""
# Before it: events without a cursor; the activity's ID is the event's.
LIVE_ONLY = """subscription Events($id: ID) {
  referralEvents(referralId: $id) { activity { id } referral { id } }
}"""
OPEN_SECONDS = 5.0


class Ended(Exception):
    """The server ended the subscription (an `error` or `complete` message); `code` is the
    first error's extensions.code, or the message's type."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(str(message)[:300])
        payload = message.get("payload")
        errors = payload.get("errors") if isinstance(payload, dict) else payload
        first = errors[0] if isinstance(errors, list) and errors else {}
        code = first.get("extensions", {}).get("code") if isinstance(first, dict) else None
        self.code = str(code or message.get("type"))


@dataclass(frozen=True)
class Received:
    event_id: uuid.UUID
    referral_id: uuid.UUID
    at: float  # time.time() on arrival


@dataclass
class Subscriber:
    """One subscriber: `home` is the worker it connects to first; `referral_id` a filter."""

    name: str
    home: int
    token: str
    live: Callable[[int], list[str]]
    resumable: bool
    referral_id: uuid.UUID | None = None
    received: list[Received] = field(default_factory=list)
    cursor: str | None = None
    connections: int = 0
    resumed: int = 0  # connections that resumed from a cursor
    losses: list[str] = field(default_factory=list)  # why each connection ended, in a word
    errors: list[Any] = field(default_factory=list)  # errors the server sent
    _socket: ClientConnection | None = None
    _pause: float = 0.0
    _closing: list[asyncio.Task[None]] = field(default_factory=list)
    _stopped: bool = False

    async def run(self) -> None:
        failures = 0
        while not self._stopped:
            bases = self.live(self.home)
            if bases:
                base = bases[failures % len(bases)]
                try:
                    await self._session(base)
                except (OSError, TimeoutError, WebSocketException, Ended) as error:
                    if not self._stopped:
                        kind = error.code if isinstance(error, Ended) else type(error).__name__
                        self.losses.append(kind)
                    failures += 1
            pause, self._pause = self._pause, 0.0
            await asyncio.sleep(pause or 0.2)

    async def _session(self, base: str) -> None:
        async with connect(
            f"ws://{base}/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=OPEN_SECONDS,
            close_timeout=1,
            max_size=None,
        ) as socket:
            self._socket = socket
            try:
                await self._subscribe(socket)
                while True:
                    message = json.loads(await socket.recv())
                    if message.get("type") == "ping":
                        await socket.send(json.dumps({"type": "pong"}))
                    else:
                        self._handle(message)
            finally:
                self._socket = None

    async def _subscribe(self, socket: ClientConnection) -> None:
        payload = {"Authorization": f"Bearer {self.token}"}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        async with asyncio.timeout(OPEN_SECONDS):
            ack = json.loads(await socket.recv())
        if ack.get("type") != "connection_ack":
            raise Ended(ack)
        variables: dict[str, Any] = {"id": gid(self.referral_id) if self.referral_id else None}
        if self.resumable:
            variables["after"] = self.cursor
            self.resumed += self.cursor is not None
        query = RESUMING if self.resumable else LIVE_ONLY
        message = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
        await socket.send(json.dumps(message))
        self.connections += 1

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        payload = message.get("payload") or {}
        if kind != "next" or payload.get("errors"):
            self.errors.append(message)
            raise Ended(message)
        event = payload["data"]["referralEvents"]
        if self.resumable:
            event_id = uuid.UUID(event["eventId"])
            self.cursor = event["cursor"]
        else:
            event_id = pk(event["activity"]["id"])
        self.received.append(Received(event_id, pk(event["referral"]["id"]), time.time()))

    def drop(self, seconds: float) -> None:
        """Close the connection now, reconnect after `seconds` (as a client that went away)."""
        self._pause = seconds
        self._close()

    def stop(self) -> None:
        self._stopped = True
        self._close()

    def _close(self) -> None:
        if self._socket is not None:
            self._closing.append(asyncio.get_running_loop().create_task(self._socket.close()))
