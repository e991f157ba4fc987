"""The contexts of a WebSocket connection and of each subscription on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from starlette.websockets import WebSocket

from api.auth.tokens import Authenticator, Principal
from api.context import Clock, Context
from api.errors import AuthenticationError
from api.graph.loaders import Loaders
from api.graph.subscriptions.hub import EventHub
from api.settings import Settings
from db.access import Viewer
from db.engine import Database

NOBODY = uuid.UUID(int=0)  # the viewer of a connection not yet authenticated: sees nothing

log = logging.getLogger("referrals.subscriptions")


@dataclass(slots=True, kw_only=True)
class SocketContext(Context):
    """The context of one WebSocket connection: its token. Strawberry passes it to every
    operation of the connection; `SocketOperations` swaps in one `for_operation` each."""

    clock: Clock
    hub: EventHub
    websocket: WebSocket
    authenticator: Authenticator
    connection_params: dict[str, object] | None = None  # set by Strawberry from connection_init
    authorization: str | None = None
    principal: Principal | None = None
    closing: asyncio.Task[None] | None = None

    @classmethod
    def unauthenticated(
        cls,
        settings: Settings,
        database: Database,
        hub: EventHub,
        websocket: WebSocket,
        *,
        clock: Clock,
        authenticator: Authenticator,
        request_id: str,
    ) -> SocketContext:
        """A new connection's context: it sees nothing until `authenticate` succeeds."""
        viewer = Viewer(NOBODY, NOBODY, clock())
        return cls(
            settings=settings,
            database=database,
            viewer=viewer,
            loaders=Loaders(database, viewer),
            request_id=request_id,
            clock=clock,
            hub=hub,
            websocket=websocket,
            authenticator=authenticator,
        )

    async def authenticate(self) -> bool:
        """Whether the bearer token of the `connection_init` payload ({"Authorization":
        "Bearer <token>"}, or "authorization") is valid; the connection acts for it."""
        params = self.connection_params or {}
        value = params.get("Authorization", params.get("authorization"))
        self.authorization = value if isinstance(value, str) else None
        now = self.clock()
        try:
            self.principal = await self.authenticator.authenticate(self.authorization, now)
        except AuthenticationError as error:
            log.info("WebSocket connection refused (%s): %s", self.request_id, error)
            return False
        self.viewer = Viewer(self.principal.organization_id, self.principal.user_id, now)
        self.loaders = Loaders(self.database, self.viewer)
        return True

    async def viewer_now(self) -> Viewer:
        """The token's viewer at this instant; AuthenticationError once it has expired."""
        now = self.clock()
        principal = await self.authenticator.authenticate(self.authorization, now)
        return Viewer(principal.organization_id, principal.user_id, now)

    def for_operation(self) -> SubscriptionContext:
        """A context of one operation's own, for the authenticated token."""
        assert self.principal is not None, "operations start after connection_init"
        viewer = Viewer(self.principal.organization_id, self.principal.user_id, self.clock())
        return SubscriptionContext(
            settings=self.settings,
            database=self.database,
            viewer=viewer,
            loaders=Loaders(self.database, viewer),
            request_id=self.request_id,
            socket=self,
        )

    def close(self, code: int, reason: str, consumer: asyncio.Task[object] | None = None) -> None:
        """Close the connection without waiting for it (a peer that does not read must not
        hold up the caller). The consumer's operation stops first, so nothing is sent after."""
        if consumer is not None and consumer is not asyncio.current_task():
            consumer.cancel()
        if self.closing is None:
            self.closing = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # already closed or gone: nothing left to do
            await self.websocket.close(code, reason)


@dataclass(slots=True, kw_only=True)
class SubscriptionContext(Context):
    """One subscription's context: nothing else on the connection reads its viewer or
    loaders. `refresh` renews them for each delivery; a subscription delivers one change at a
    time (graphql-core resolves an event before it asks for the next), so renewing them never
    pulls them from under a resolver still at work."""

    socket: SocketContext

    async def refresh(self) -> None:
        """A new instant and fresh loaders; AuthenticationError once the token has expired."""
        await self.delivered()
        self.viewer = await self.socket.viewer_now()
        self.loaders = Loaders(self.database, self.viewer)

    async def delivered(self) -> None:
        """A delivery is over: its rows go, and its connection back to the pool (a
        subscription waits for its next change holding none)."""
        await self.loaders.finish()
