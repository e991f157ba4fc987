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
from api.graph.nodes import expect_global_id
from api.graph.subscriptions import changes
from api.graph.subscriptions.context import SubscriptionContext
from api.graph.subscriptions.event import ReferralEvent
from api.graph.subscriptions.extension import OVER_SOCKET, coded_error
from api.observability import metrics

# 1013 "Try Again Later" (RFC 6455's registry: the server's condition is temporary). Not
# 4429: graphql-transport-ws reserves it for "Too many initialisation requests", which the
# graphql-ws client lists as fatal (dist/client.js, `shouldRetryConnectOrThrow`): it would
# never reconnect. That client retries 1013 (`isFatalInternalCloseCode` exempts it from the
# fatal 1000-1999 range), with its `retryAttempts` and back-off, as it retries network drops.
TOO_SLOW = (1013, "subscriber too slow")

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
            found = await context.loaders.referral_by_id.load(pk)
            await context.delivered()
            if found is None:  # foreign or nonexistent
                raise OperationError(
                    "No such referral.", ErrorCode.NOT_FOUND, argument="referralId"
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
            try:
                for event in await changes.visible_events(context, change):
                    yield event  # resumed once graphql-core has answered with the event
                    metrics.EVENTS.inc()
            finally:
                await context.delivered()
    finally:
        subscriber.close()
        metrics.SUBSCRIPTIONS.dec()


def _too_slow(context: SubscriptionContext, consumer: asyncio.Task[object] | None) -> None:
    metrics.DROPPED.inc()
    log.warning("closing a WebSocket connection: %s (%s)", TOO_SLOW[1], context.request_id)
    context.socket.close(*TOO_SLOW, consumer)
