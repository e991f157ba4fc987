"""The delivery queue the workers share: each due delivery is leased to one worker at a time.

A worker claims due deliveries in a short transaction (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so concurrent workers take disjoint rows without waiting for each other; on
SQLite the one process's writers take turns). Claiming counts the attempt and leases the row:
its next attempt moves to the lease's end, so a worker killed mid-delivery strands nothing (the
delivery is due again once the lease lapses) and a worker that still holds a lease is the only
one that may settle it. The POST itself runs outside any transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import Database
from db.tables import webhook, webhook_delivery
from db.webhooks.models import WebhookDeliveryStatus, WebhookEventName
from db.writes.transaction import in_transaction

PENDING = WebhookDeliveryStatus.PENDING


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to this worker: what it POSTs, and the lease that lets it settle."""

    id: uuid.UUID
    webhook_id: uuid.UUID
    url: str
    sealed_secret: str
    event_id: uuid.UUID
    event_name: WebhookEventName
    referral_id: uuid.UUID
    occurred_date: datetime
    attempts: int  # this attempt's number, from 1
    retry_until: datetime
    leased_until: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt went: the response's status code (None: no response) and an excerpt."""

    succeeded: bool
    response_code: int | None
    excerpt: str | None


async def claim(
    database: Database, *, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to `limit` due deliveries of active webhooks to this worker, oldest due first."""
    leased_until = now + lease

    async def work(conn: AsyncConnection) -> list[Claimed]:
        due = (
            select(webhook_delivery.c.id)
            .join(webhook, webhook.c.id == webhook_delivery.c.webhook_id)
            .where(
                webhook_delivery.c.status == PENDING,
                webhook_delivery.c.next_attempt_date <= now,
                webhook.c.active.is_(True),
            )
            .order_by(webhook_delivery.c.next_attempt_date)
            .limit(limit)
            # Rows another worker is claiming are skipped, not waited for (SQLite: ignored).
            .with_for_update(of=webhook_delivery, skip_locked=True)
        )
        ids = list((await conn.scalars(due)).all())
        if not ids:
            return []
        await conn.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id.in_(ids))
            .values(
                attempts=webhook_delivery.c.attempts + 1,
                next_attempt_date=leased_until,
                leased_until=leased_until,
                last_attempt_date=now,
            )
        )
        rows = await conn.execute(
            select(
                webhook_delivery.c.id,
                webhook_delivery.c.webhook_id,
                webhook.c.url,
                webhook.c.sealed_secret,
                webhook_delivery.c.event_id,
                webhook_delivery.c.event_name,
                webhook_delivery.c.referral_id,
                webhook_delivery.c.occurred_date,
                webhook_delivery.c.attempts,
                webhook_delivery.c.retry_until,
            )
            .join(webhook, webhook.c.id == webhook_delivery.c.webhook_id)
            .where(webhook_delivery.c.id.in_(ids))
            .order_by(webhook_delivery.c.next_attempt_date)
        )
        return [Claimed(**row._mapping, leased_until=leased_until) for row in rows]

    return await in_transaction(database, work)


async def settle(
    database: Database,
    claimed: Claimed,
    outcome: Outcome,
    *,
    now: datetime,
    retry_at: datetime | None,
) -> bool:
    """Record an attempt: SUCCEEDED, PENDING again at `retry_at`, or FAILED when `retry_at` is
    None. False (nothing written) when the lease was lost: the delivery was redelivered or
    another worker took it after the lease lapsed."""
    if outcome.succeeded:
        status, next_attempt = WebhookDeliveryStatus.SUCCEEDED, now
    elif retry_at is None:
        status, next_attempt = WebhookDeliveryStatus.FAILED, now
    else:
        status, next_attempt = PENDING, retry_at

    async def work(conn: AsyncConnection) -> bool:
        result = await conn.execute(
            update(webhook_delivery)
            .where(
                webhook_delivery.c.id == claimed.id,
                webhook_delivery.c.attempts == claimed.attempts,
                webhook_delivery.c.leased_until == claimed.leased_until,
            )
            .values(
                status=status,
                next_attempt_date=next_attempt,
                leased_until=None,
                last_response_code=outcome.response_code,
                response_excerpt=outcome.excerpt,
            )
        )
        return bool(result.rowcount == 1)

    return await in_transaction(database, work)


async def next_due(database: Database) -> datetime | None:
    """When the earliest pending delivery of an active webhook is due (None: none is)."""
    async with database.engine.connect() as conn:
        stmt = (
            select(func.min(webhook_delivery.c.next_attempt_date))
            .join(webhook, webhook.c.id == webhook_delivery.c.webhook_id)
            .where(webhook_delivery.c.status == PENDING, webhook.c.active.is_(True))
        )
        due: datetime | None = await conn.scalar(stmt)
        return due


async def statuses(database: Database, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each delivery's status (for tests and tooling)."""
    async with database.engine.connect() as conn:
        stmt = select(webhook_delivery.c.id, webhook_delivery.c.status).where(
            webhook_delivery.c.id.in_(ids)
        )
        return {row.id: row.status.value for row in await conn.execute(stmt)}
