"""A webhook's delivery log, as its organization may see it, and redelivery on demand."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer
from db.engine import Database
from db.paging import Page, PageRequest, order_terms, to_page, window_conditions
from db.refusals import RefusalCode, Refused
from db.tables import webhook, webhook_delivery
from db.webhooks.models import WebhookDeliveryStatus
from db.writes.transaction import in_transaction

SHOWN = (
    webhook_delivery.c.id,
    webhook_delivery.c.webhook_id,
    webhook_delivery.c.event_id,
    webhook_delivery.c.event_name,
    webhook_delivery.c.referral_id,
    webhook_delivery.c.occurred_date,
    webhook_delivery.c.status,
    webhook_delivery.c.attempts,
    webhook_delivery.c.next_attempt_date,
    webhook_delivery.c.last_attempt_date,
    webhook_delivery.c.last_response_code,
    webhook_delivery.c.response_excerpt,
    webhook_delivery.c.created_date,
)


Statuses = tuple[WebhookDeliveryStatus, ...] | None


@dataclass(frozen=True, slots=True)
class DeliveryPageKey:
    """One webhook's deliveries page: which webhook, which statuses, which page."""

    webhook_id: uuid.UUID
    statuses: Statuses
    request: PageRequest


def _own_webhooks(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    return select(webhook.c.id).where(webhook.c.organization_id == viewer.organization_id)


def _of_webhooks(viewer: Viewer, webhook_ids: Sequence[uuid.UUID], statuses: Statuses) -> Any:
    """The deliveries of the viewer's organization's webhooks among `webhook_ids`."""
    terms = [
        webhook_delivery.c.webhook_id.in_(webhook_ids),
        webhook_delivery.c.webhook_id.in_(_own_webhooks(viewer)),
    ]
    if statuses is not None:
        terms.append(webhook_delivery.c.status.in_(statuses))
    return terms


async def delivery_pages(
    conn: AsyncConnection, viewer: Viewer, keys: Sequence[DeliveryPageKey]
) -> list[Page]:
    """Each webhook's page of deliveries, newest first: one statement per distinct page
    request and statuses (the webhooks of one list share theirs), each webhook ranked apart."""
    pages: dict[DeliveryPageKey, Page] = {}
    for statuses, request in dict.fromkeys((key.statuses, key.request) for key in keys):
        webhook_ids = list(
            dict.fromkeys(
                key.webhook_id for key in keys if (key.statuses, key.request) == (statuses, request)
            )
        )
        created, id_ = webhook_delivery.c.created_date, webhook_delivery.c.id
        rank = (
            func.row_number()
            .over(
                partition_by=webhook_delivery.c.webhook_id,
                order_by=order_terms(created, id_, descending=True, request=request),
            )
            .label("rank")
        )
        ranked = (
            select(*SHOWN, rank)
            .where(
                *_of_webhooks(viewer, webhook_ids, statuses),
                *window_conditions(created, id_, descending=True, request=request),
            )
            .subquery()
        )
        stmt = (
            select(ranked)
            .where(ranked.c.rank <= request.limit + 1)
            .order_by(ranked.c.webhook_id, ranked.c.rank)
        )
        groups: dict[uuid.UUID, list[Row[Any]]] = {webhook_id: [] for webhook_id in webhook_ids}
        for row in await conn.execute(stmt):
            groups[row.webhook_id].append(row)
        for webhook_id in webhook_ids:
            key = DeliveryPageKey(webhook_id, statuses, request)
            pages[key] = to_page(groups[webhook_id], request)
    return [pages[key] for key in keys]


async def delivery_counts(
    conn: AsyncConnection, viewer: Viewer, keys: Sequence[tuple[uuid.UUID, Statuses]]
) -> list[int]:
    """How many deliveries each (webhook, statuses) has: one statement per distinct statuses."""
    counts: dict[tuple[uuid.UUID, Statuses], int] = {}
    for statuses in dict.fromkeys(key[1] for key in keys):
        webhook_ids = [webhook_id for webhook_id, s in keys if s == statuses]
        stmt = (
            select(webhook_delivery.c.webhook_id, func.count().label("n"))
            .where(*_of_webhooks(viewer, webhook_ids, statuses))
            .group_by(webhook_delivery.c.webhook_id)
        )
        found = {row.webhook_id: row.n for row in await conn.execute(stmt)}
        for webhook_id in webhook_ids:
            counts[(webhook_id, statuses)] = found.get(webhook_id, 0)
    return [counts[key] for key in keys]


async def deliveries_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Deliveries of the viewer's organization's webhooks by id (None for anyone else's)."""
    stmt: Select[Any] = select(*SHOWN).where(
        webhook_delivery.c.id.in_(ids),
        webhook_delivery.c.webhook_id.in_(_own_webhooks(viewer)),
    )
    found = {row.id: row for row in await conn.execute(stmt)}
    return [found.get(key) for key in ids]


async def redeliver(
    database: Database,
    viewer: Viewer,
    delivery_id: uuid.UUID,
    *,
    now: datetime,
    window: timedelta,
) -> uuid.UUID:
    """Queue a delivery again now, with a fresh retry window: a SUCCEEDED or FAILED one, or a
    PENDING one waiting for its next retry. One that a worker is attempting right now is
    refused (it would be attempted twice at once)."""

    async def work(conn: AsyncConnection) -> uuid.UUID:
        stmt = select(webhook_delivery.c.leased_until).where(
            webhook_delivery.c.id == delivery_id,
            webhook_delivery.c.webhook_id.in_(_own_webhooks(viewer)),
        )
        found = (await conn.execute(stmt.with_for_update())).first()
        if found is None:
            raise Refused(RefusalCode.NOT_FOUND, "No such delivery.", field=("delivery_id",))
        if found.leased_until is not None and found.leased_until > now:
            raise Refused(
                RefusalCode.CONFLICT,
                "The delivery is being attempted right now; look at its status shortly.",
                field=("delivery_id",),
            )
        await conn.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id == delivery_id)
            .values(
                status=WebhookDeliveryStatus.PENDING,
                next_attempt_date=now,
                leased_until=None,
                retry_until=now + window,
            )
        )
        return delivery_id

    return await in_transaction(database, work)


async def prune_settled(database: Database, *, older_than: datetime) -> int:
    """Delete the deliveries settled (SUCCEEDED or FAILED) before `older_than`; how many.
    Pending ones stay whatever their age. Over the (status, next attempt) index: a settled
    delivery's next attempt date is when it was settled."""

    async def work(conn: AsyncConnection) -> int:
        result = await conn.execute(
            delete(webhook_delivery).where(
                webhook_delivery.c.status.in_(
                    (WebhookDeliveryStatus.SUCCEEDED, WebhookDeliveryStatus.FAILED)
                ),
                webhook_delivery.c.next_attempt_date < older_than,
            )
        )
        return int(result.rowcount or 0)

    return await in_transaction(database, work)
