"""The Subscription root: live referral events over WebSocket (graphql-transport-ws).

A connection authenticates once, in its `connection_init` payload. Each of its subscriptions
runs with a context of its own (`SubscriptionContext`), whose viewer and loaders are renewed at
each delivery: no subscription reads another's cache. Every event is read
at delivery time as the subscriber's organization sees it then, through the same `db.reads`
rules as queries: an organization removed from a referral stops receiving its events, and
contact details stay masked unless it is an ACCEPTED participant. The subscribers of one
organization on a worker share that read of a change (the rules depend on the organization
only). The token is checked again at each delivery; once it has expired the connection is
closed (4403).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import Row
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.extensions import SchemaExtension
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.auth.tokens import AuthenticationError, Authenticator, Principal
from api.context import Clock, Context, Info
from api.graph.events import EventHub
from api.graph.loaders import Loaders
from api.graph.nodes import expect_global_id
from api.graph.types.activity import Activity
from api.graph.types.referral import Referral
from api.observability import metrics
from api.settings import Settings
from db import reads
from db.access import Viewer
from db.engine import Database
from db.events import ReferralChange

# 1013 "Try Again Later" (RFC 6455's registry: the server's condition is temporary). Not
# 4429: graphql-transport-ws reserves it for "Too many initialisation requests", which the
# graphql-ws client lists as fatal (dist/client.js, `shouldRetryConnectOrThrow`): it would
# never reconnect. That client retries 1013 (`isFatalInternalCloseCode` exempts it from the
# fatal 1000-1999 range), with its `retryAttempts` and back-off, as it retries network drops.
TOO_SLOW = (1013, "subscriber too slow")
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
        self.viewer = await self.socket.viewer_now()
        self.loaders = Loaders(self.database, self.viewer)


@strawberry.type(
    description="A committed change to a referral: the history entry it wrote, and the referral "
    "as it stands when the event is delivered."
)
class ReferralEvent:
    activity: Activity = strawberry.field(
        description="What happened: the activity the change wrote to the referral's history."
    )
    referral: Referral = strawberry.field(
        description="The referral's state when the event is delivered, as your organization "
        "sees it (contact details only for ACCEPTED participants)."
    )


_OVER_SOCKET = "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql."


def _socket(info: Info) -> SubscriptionContext:
    context = info.context
    if not isinstance(context, SubscriptionContext):
        raise _error(_OVER_SOCKET, "BAD_REQUEST")
    return context


@strawberry.type(
    description="Live updates, over a WebSocket at /graphql (graphql-transport-ws protocol): "
    'authenticate with {"Authorization": "Bearer <token>"} as the connection_init payload.'
)
class Subscription:
    @strawberry.subscription(
        description="Every committed change to the referrals your organization takes part in "
        "(or to one of them), as it commits: one event per activity written. Visibility and "
        "contact masking are those of queries, checked when each event is delivered. A "
        "connection that falls behind by more than its queue (SUBSCRIPTION_QUEUE_SIZE) is "
        "closed with code 1013 (Try Again Later), 'subscriber too slow': reconnect and "
        "re-read."
    )
    async def referral_events(
        self,
        info: Info,
        referral_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this referral's events; all your referrals' when left out."
            ),
        ] = None,
    ) -> AsyncGenerator[ReferralEvent, None]:
        context = _socket(info)
        pk = None
        if referral_id is not None:
            pk = expect_global_id(referral_id, "Referral", argument="referralId")
            await context.refresh()
            if await context.loaders.referral_by_id.load(pk) is None:  # foreign or nonexistent
                raise GraphQLError(
                    "No such referral.", extensions={"code": "NOT_FOUND", "argument": "referralId"}
                )
        return _events(context, pk)


async def _events(
    context: SubscriptionContext, referral_pk: uuid.UUID | None
) -> AsyncGenerator[ReferralEvent, None]:
    consumer = asyncio.current_task()
    subscriber = context.socket.hub.subscribe(
        referral_pk, on_overflow=lambda: _too_slow(context, consumer)
    )
    metrics.SUBSCRIPTIONS.inc()
    try:
        while True:
            change = await subscriber.get()
            try:
                await context.refresh()
            except AuthenticationError as error:
                context.socket.close(4403, str(error))
                raise asyncio.CancelledError from None
            for event in await _visible_events(context, change):
                yield event
                metrics.EVENTS.inc()
    finally:
        subscriber.close()
        metrics.SUBSCRIPTIONS.dec()


def _too_slow(context: SubscriptionContext, consumer: asyncio.Task[object] | None) -> None:
    metrics.DROPPED.inc()
    log.warning("closing a WebSocket connection: %s (%s)", TOO_SLOW[1], context.request_id)
    context.socket.close(*TOO_SLOW, consumer)


async def _visible_events(
    context: SubscriptionContext, change: ReferralChange
) -> list[ReferralEvent]:
    """The change's events as the subscriber may see them now; none if the referral is not
    (or no longer) visible to its organization."""
    row, activities = await _shared_read(context, change)
    if row is None:
        return []
    context.loaders.referral_by_id.prime(row.id, row)
    referral = Referral.from_row(row)
    return [
        ReferralEvent(activity=Activity.from_row(activity), referral=referral)
        for activity in activities
        if activity is not None
    ]


ChangeRows = tuple[Row[Any] | None, Sequence[Row[Any] | None]]
# The reads in flight, by database, organization and change: every subscriber of one
# organization takes a change at about the same moment, and visibility and masking depend
# on the organization only, so they share one read (two statements) of this worker.
_reading: dict[tuple[Database, uuid.UUID, ReferralChange], asyncio.Task[ChangeRows]] = {}


async def _shared_read(context: SubscriptionContext, change: ReferralChange) -> ChangeRows:
    key = (context.database, context.viewer.organization_id, change)
    task = _reading.get(key)
    if task is None:
        task = asyncio.create_task(_read(context.database, context.viewer, change))
        _reading[key] = task
        task.add_done_callback(lambda done: _finished(key, done))
    return await asyncio.shield(task)  # a subscriber leaving does not cancel the others' read


def _finished(key: tuple[Database, uuid.UUID, ReferralChange], task: asyncio.Task[Any]) -> None:
    _reading.pop(key, None)
    if not task.cancelled():
        task.exception()  # retrieved: the waiters, if any are left, have it too


async def _read(database: Database, viewer: Viewer, change: ReferralChange) -> ChangeRows:
    async with database.engine.connect() as conn:
        (row,) = await reads.referrals_by_id(conn, viewer, [change.referral_id])
        if row is None:
            return None, []
        return row, await reads.activities_by_id(conn, viewer, list(change.activity_ids))


class SocketOperations(SchemaExtension):
    """Subscriptions run over WebSocket only, and over WebSocket only subscriptions (queries
    and mutations go over HTTP, with its deadline and limits); a subscription the cost limit
    or budget refused does not start."""

    def on_operation(self) -> Iterator[None]:
        # Strawberry hands every operation of a connection the one context `get_context` made
        # for it. Each gets its own before anything reads it (QueryCost's budget, resolvers):
        # concurrent subscriptions on one socket share no viewer and no loaders.
        execution = self.execution_context
        context = execution.context
        if isinstance(context, SocketContext) and context.principal is not None:
            execution.context = context.for_operation()
        yield

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        over_socket = isinstance(execution.context, SubscriptionContext | SocketContext)
        refusal = _transport_refusal(execution, over_socket)
        if refusal is not None and not over_socket:
            execution.result = ExecutionResult(data=None, errors=[refusal])
        elif refusal is not None:
            raise refusal  # the operation's `error` message
        elif over_socket and execution.result is not None and execution.result.errors:
            raise execution.result.errors[0]  # refused by api.guards.extension.QueryCost
        yield


def _transport_refusal(execution: ExecutionContext, over_socket: bool) -> GraphQLError | None:
    subscription = execution.operation_type is OperationType.SUBSCRIPTION
    if not over_socket:
        return None if not subscription else _error(_OVER_SOCKET, "BAD_REQUEST")
    if not subscription:
        return _error(
            "Only subscriptions are served over WebSocket; send queries and mutations over HTTP.",
            "BAD_REQUEST",
        )
    if execution.context.settings.persisted_queries_only:
        return _error(
            "Only persisted operations run here, and subscriptions cannot be persisted yet.",
            "PERSISTED_QUERY_REQUIRED",
        )
    return None


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames, whatever bytes the view's JSON
    encoder makes (browsers' graphql-ws clients cannot parse binary frames)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error
