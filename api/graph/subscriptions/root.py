"""The Subscription root: `referralEvents`, fed by the hub and read as each subscriber sees it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import AuthenticationError, ErrorCode, OperationError
from api.graph.event_errors import expired
from api.graph.nodes import expect_global_id
from api.graph.relay.event_cursors import from_event_cursor
from api.graph.subscriptions import changes
from api.graph.subscriptions.context import SubscriptionContext
from api.graph.subscriptions.event import ReferralEvent
from api.graph.subscriptions.extension import OVER_SOCKET, coded_error
from api.observability import metrics
from db import event_feed, event_log
from db.event_log import EventsExpired

# 1013 "Try Again Later" (RFC 6455's registry: the server's condition is temporary). Not
# 4429: graphql-transport-ws reserves it for "Too many initialisation requests", which the
# graphql-ws client lists as fatal (dist/client.js, `shouldRetryConnectOrThrow`): it would
# never reconnect. That client retries 1013 (`isFatalInternalCloseCode` exempts it from the
# fatal 1000-1999 range), with its `retryAttempts` and back-off, as it retries network drops.
TOO_SLOW = (1013, "subscriber too slow")

# Events per statement while replaying after a cursor.
REPLAY_BATCH = 100

log = logging.getLogger("referrals.subscriptions")


def _socket(info: Info) -> SubscriptionContext:
    context = info.context
    if not isinstance(context, SubscriptionContext):
        raise coded_error(OVER_SOCKET, ErrorCode.BAD_REQUEST)
    return context


@strawberry.type(
    description="Live updates, over a WebSocket at /graphql (graphql-transport-ws protocol): "
    'authenticate with {"Authorization": "Bearer <token>"} as the connection_init payload.'
)
class Subscription:
    @strawberry.subscription(
        description="Every committed change to the referrals your organization takes part in "
        "(or to one of them): one event per activity written, in commit order. With `after`, "
        "first replays every event after that cursor you may see, then goes live, without a "
        "gap or a duplicate at the seam; each event carries its `cursor` and `eventId`. "
        "Visibility and contact masking are those of queries, checked when each event is "
        "delivered. A connection that falls behind by more than its queue "
        "(SUBSCRIPTION_QUEUE_SIZE) is closed with code 1013 (Try Again Later), 'subscriber "
        "too slow': reconnect with the last cursor received as `after` and lose nothing. A "
        "cursor older than the event log's retention (EVENT_RETENTION_DAYS) is refused with "
        "EVENTS_EXPIRED."
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
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The `cursor` of the last event received (from this subscription "
                "or the `events` feed): replay every later event you may see, then go live. "
                "Left out, only events committed from now on."
            ),
        ] = None,
    ) -> AsyncGenerator[ReferralEvent, None]:
        context = _socket(info)
        pk = None
        if referral_id is not None:
            pk = expect_global_id(referral_id, "Referral", argument="referralId")
            await context.refresh()
            found = await context.loaders.referral_by_id.load(pk)
            await context.delivered()
            if found is None:  # foreign or nonexistent
                raise OperationError(
                    "No such referral.", ErrorCode.NOT_FOUND, argument="referralId"
                )
        position = None
        if after is not None:
            position = from_event_cursor(after, argument="after")
            async with context.database.engine.connect() as conn:
                try:
                    await event_log.check_cursor(conn, position)
                except EventsExpired as error:
                    raise expired(error) from None
        return _events(context, pk, position)


async def _events(
    context: SubscriptionContext, referral_pk: uuid.UUID | None, after: int | None
) -> AsyncGenerator[ReferralEvent, None]:
    consumer = asyncio.current_task()
    hub = context.socket.hub
    await hub.started.wait()  # the hub's position means something only once it has read it
    # Subscribe first, then replay up to the hub's position at this instant: every later
    # event reaches the queue, every earlier one the replay, and the queue's events up to
    # `seen` (published while the replay ran, or before a cursor from ahead) are skipped.
    subscriber = hub.subscribe(referral_pk, on_overflow=lambda: _too_slow(context, consumer))
    seen = hub.position
    metrics.SUBSCRIPTIONS.inc()
    try:
        if after is not None:
            async for event in _replay(context, referral_pk, after, seen):
                yield event
            seen = max(seen, after)
        while True:
            record = await subscriber.get()
            if record.position <= seen:
                continue
            await _refresh(context)
            try:
                shown = await changes.visible_event(context, record)
                if shown is not None:
                    yield shown  # resumed once graphql-core has answered with the event
                    metrics.EVENTS.inc()
            finally:
                await context.delivered()
    finally:
        subscriber.close()
        metrics.SUBSCRIPTIONS.dec()


async def _replay(
    context: SubscriptionContext, referral_pk: uuid.UUID | None, after: int, through: int
) -> AsyncGenerator[ReferralEvent, None]:
    """The subscriber's events in (after, through], a page of REPLAY_BATCH at a time."""
    while after < through:
        await _refresh(context)
        async with context.database.engine.connect() as conn:
            try:
                page = await event_feed.visible_after(
                    conn,
                    context.viewer,
                    after=after,
                    through=through,
                    limit=REPLAY_BATCH,
                    referral_id=referral_pk,
                )
            except EventsExpired as error:  # pruned while replaying
                raise expired(error) from None
        try:
            for event in await changes.visible_events(context, page):
                yield event
                metrics.EVENTS.inc()
        finally:
            await context.delivered()
        if len(page) < REPLAY_BATCH:
            return
        after = page[-1].position


async def _refresh(context: SubscriptionContext) -> None:
    """Renew the viewer; close the connection (4403) once its token has expired."""
    try:
        await context.refresh()
    except AuthenticationError as error:
        context.socket.close(4403, str(error))
        raise asyncio.CancelledError from None


def _too_slow(context: SubscriptionContext, consumer: asyncio.Task[object] | None) -> None:
    metrics.DROPPED.inc()
    log.warning("closing a WebSocket connection: %s (%s)", TOO_SLOW[1], context.request_id)
    context.socket.close(*TOO_SLOW, consumer)
