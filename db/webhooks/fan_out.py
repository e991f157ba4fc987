"""The fan-out: each logged event becomes one delivery for every active webhook, subscribed
to its name, of every organization that may see its referral.

One cursor row (`webhook_fan_out`) says how far the event log has been fanned out. A worker
locks it for the transaction that reads the next events, inserts their deliveries and moves
it on, so each event is fanned out once whichever worker gets there first; the others skip
the locked row rather than queue behind it (`SKIP LOCKED`; SQLite's one process takes turns).
The unique (webhook, event) pair makes a repeat impossible anyway.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import organizations_seeing
from db.engine import Database
from db.event_log import EventsExpired
from db.models import ActivityType
from db.tables import webhook, webhook_delivery, webhook_fan_out
from db.webhooks.models import WebhookDeliveryStatus, WebhookEventName
from db.writes.transaction import in_transaction

log = logging.getLogger("referrals.webhooks")

CURSOR = "webhooks"
BATCH = 200  # events per fan-out transaction


class LoggedEvent(Protocol):
    """What the fan-out needs of an event of the log (db.event_log.EventRecord)."""

    @property
    def position(self) -> int: ...
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def referral_id(self) -> uuid.UUID: ...
    @property
    def type(self) -> ActivityType: ...
    @property
    def occurred_date(self) -> datetime: ...


ReadAfter = Callable[[AsyncConnection, int, int], Awaitable[Sequence[LoggedEvent]]]


def event_name(type_: ActivityType) -> WebhookEventName:
    """Partner Center's name of an event: created, else updated."""
    if type_ is ActivityType.CREATED:
        return WebhookEventName.REFERRAL_CREATED
    return WebhookEventName.REFERRAL_UPDATED


async def fan_out(
    database: Database,
    read_after: ReadAfter,
    *,
    now: datetime,
    window: timedelta,
    batch: int = BATCH,
) -> int | None:
    """Fan out the next events after the cursor; how many were read (None: another worker
    holds the cursor). Call again while it returns `batch`."""

    async def work(conn: AsyncConnection) -> int | None:
        locked = (
            select(webhook_fan_out.c.position)
            .where(webhook_fan_out.c.name == CURSOR)
            .with_for_update(skip_locked=True)
        )
        position = await conn.scalar(locked)
        if position is None:
            if await _cursor_exists(conn):
                return None  # another worker is fanning out
            await _insert_ignoring_duplicates(
                conn, webhook_fan_out, [{"name": CURSOR, "position": 0}], ["name"]
            )
            position = await conn.scalar(locked)
            if position is None:
                return None
        try:
            events = await read_after(conn, position, batch)
        except EventsExpired as expired:  # stalled past the retention: what was pruned is gone
            log.error("webhook fan-out fell behind retention; skipping to %d", expired.horizon)
            await _move(conn, expired.horizon)
            return batch  # go on from there
        if not events:
            return 0
        deliveries = await _deliveries(conn, events, now=now, window=window)
        if deliveries:
            await _insert_ignoring_duplicates(
                conn, webhook_delivery, deliveries, ["webhook_id", "event_id"]
            )
        await _move(conn, events[-1].position)
        return len(events)

    return await in_transaction(database, work)


async def _move(conn: AsyncConnection, position: int) -> None:
    stmt = update(webhook_fan_out).where(webhook_fan_out.c.name == CURSOR)
    await conn.execute(stmt.values(position=position))


async def _cursor_exists(conn: AsyncConnection) -> bool:
    stmt = select(webhook_fan_out.c.name).where(webhook_fan_out.c.name == CURSOR)
    return (await conn.scalar(stmt)) is not None


async def _deliveries(
    conn: AsyncConnection, events: Sequence[LoggedEvent], *, now: datetime, window: timedelta
) -> list[dict[str, Any]]:
    """A delivery per event and matching webhook: active, subscribed to the event's name,
    of an organization that may see the referral, and registered when the event occurred
    (a new endpoint is not sent the history before it)."""
    seeing = await organizations_seeing(conn, {event.referral_id for event in events})
    organizations = {org for orgs in seeing.values() for org in orgs}
    if not organizations:
        return []
    stmt = select(
        webhook.c.id, webhook.c.organization_id, webhook.c.events, webhook.c.created_date
    ).where(webhook.c.organization_id.in_(organizations), webhook.c.active.is_(True))
    hooks = (await conn.execute(stmt)).all()
    rows = []
    for event in events:
        name = event_name(event.type)
        for hook in hooks:
            if (
                hook.organization_id in seeing.get(event.referral_id, ())
                and name.name in hook.events
                and hook.created_date <= event.occurred_date
            ):
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "webhook_id": hook.id,
                        "event_id": event.id,
                        "event_position": event.position,
                        "event_name": name,
                        "referral_id": event.referral_id,
                        "occurred_date": event.occurred_date,
                        "status": WebhookDeliveryStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_date": now,
                        "retry_until": now + window,
                        "created_date": now,
                    }
                )
    return rows


async def _insert_ignoring_duplicates(
    conn: AsyncConnection, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
    await conn.execute(stmt)
