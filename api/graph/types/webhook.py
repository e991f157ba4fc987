"""Webhooks and their delivery logs, as their own organization sees them (no one else does)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.relay.connection import Connection, connection
from api.graph.relay.ids import to_global_id
from api.graph.relay.paging import Paging, paged
from api.graph.types.enums import graphql_enum
from api.graph.types.node import Node
from db.paging import Page, Position
from db.webhooks.log import DeliveryPageKey
from db.webhooks.models import WebhookDeliveryStatus, WebhookEventName

WEBHOOK_ORDERING = "webhook"
DELIVERY_ORDERING = "webhook-delivery"

graphql_enum(
    WebhookEventName,
    "Partner Center's webhook events, as a webhook subscribes to them and `EventName` "
    "spells them in a delivery.",
    {
        "REFERRAL_CREATED": "`referral-created`: a referral your organization takes part in "
        "was created.",
        "REFERRAL_UPDATED": "`referral-updated`: any other change to such a referral (an "
        "update, a status change, an invitation and its answer, a note).",
    },
)
graphql_enum(
    WebhookDeliveryStatus,
    "Where a delivery stands.",
    {
        "PENDING": "Not delivered yet: waiting for its first attempt or its next retry.",
        "SUCCEEDED": "The endpoint answered 2xx.",
        "FAILED": "Every attempt within the retry window failed; `redeliverWebhookDelivery` "
        "tries again.",
    },
)


@strawberry.type(
    description="One event for one webhook: its attempts so far and how the endpoint answered."
)
class WebhookDelivery(Node):
    event_id: strawberry.ID = strawberry.field(
        description="The event's ID (a UUID), also sent as `EventId` and in the "
        "`X-Referrals-Event-Id` header: receivers deduplicate by it."
    )
    event_name: WebhookEventName = strawberry.field(description="The event's name.")
    referral_id: strawberry.ID = strawberry.field(
        description="The referral's global ID (pass it to `referral(id:)`)."
    )
    occurred_at: datetime = strawberry.field(description="When the change happened.")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts so far, redeliveries included.")
    last_response_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt; null if there was no response "
        "(not attempted yet, refused address, connection error, timeout)."
    )
    last_attempt_at: datetime | None = strawberry.field(
        description="When the last attempt started; null before the first."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next, while PENDING; null once SUCCEEDED or FAILED."
    )
    response_excerpt: str | None = strawberry.field(
        description="The first 1 KiB of the last response's body (or why there was no "
        "response); nothing more is kept."
    )
    created_at: datetime = strawberry.field(description="When the delivery was queued.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> WebhookDelivery:
        pending = row.status is WebhookDeliveryStatus.PENDING
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", row.id)),
            event_id=strawberry.ID(str(row.event_id)),
            event_name=row.event_name,
            referral_id=strawberry.ID(to_global_id("Referral", row.referral_id)),
            occurred_at=row.occurred_date,
            status=row.status,
            attempts=row.attempts,
            last_response_code=row.last_response_code,
            last_attempt_at=row.last_attempt_date,
            next_attempt_at=row.next_attempt_date if pending else None,
            response_excerpt=row.response_excerpt,
            created_at=row.created_date,
        )


@connection(
    item="delivery",
    items="deliveries",
    description="A page of a webhook's deliveries, newest first.",
    total_count="How many deliveries (of the asked statuses) the webhook has.",
)
class WebhookDeliveryConnection(Connection[WebhookDelivery]):
    pass


@strawberry.type(
    description="An endpoint of your organization that receives signed POSTs of the events "
    "of the referrals your organization takes part in."
)
class Webhook(Node):
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    events: list[WebhookEventName] = strawberry.field(description="The events it receives.")
    active: bool = strawberry.field(
        description="Whether it receives events; an inactive webhook gets no new deliveries "
        "and its pending ones wait until it is active again."
    )
    description: str | None = strawberry.field(description="Your note on what it is for.")
    created_at: datetime = strawberry.field(
        description="When it was registered: it receives events from then on."
    )
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Webhook:
        return cls(
            id=strawberry.ID(to_global_id("Webhook", row.id)),
            url=row.url,
            events=[WebhookEventName[name] for name in row.events],
            active=row.active,
            description=row.description,
            created_at=row.created_date,
            pk=row.id,
        )

    @strawberry.field(
        description="The webhook's delivery log, newest first (Relay cursor connection, at "
        "most 100 per page)."
    )
    @paged
    async def deliveries(
        self,
        info: Info,
        paging: Paging,
        status: Annotated[
            list[WebhookDeliveryStatus] | None,
            strawberry.argument(description="Only deliveries in these statuses."),
        ] = None,
    ) -> WebhookDeliveryConnection:
        loaders = info.context.loaders
        statuses = None if status is None else tuple(dict.fromkeys(status))
        request = paging.request(DELIVERY_ORDERING, info.context.settings)
        page = await loaders.delivery_page.load(DeliveryPageKey(self.pk, statuses, request))
        return WebhookDeliveryConnection.from_page(
            page,
            ordering=DELIVERY_ORDERING,
            position=lambda row: Position(row.created_date, row.id),
            node=WebhookDelivery.from_row,
            count=lambda: loaders.delivery_count.load((self.pk, statuses)),
        )


@connection(
    item="webhook",
    items="webhooks",
    description="A page of your organization's webhooks, oldest first.",
    total_count="How many webhooks your organization has.",
)
class WebhookConnection(Connection[Webhook]):
    @classmethod
    def of_page(cls, info: Info, page: Page) -> Self:
        return cls.from_page(
            page,
            ordering=WEBHOOK_ORDERING,
            position=lambda row: Position(row.created_date, row.id),
            node=Webhook.from_row,
            count=lambda: info.context.loaders.webhook_count.load(None),
        )
