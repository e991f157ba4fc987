"""Logged events as a subscriber's organization may see them now, read once per worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import Row

from api.graph.relay.event_cursors import to_event_cursor
from api.graph.subscriptions.context import SubscriptionContext
from api.graph.subscriptions.event import ReferralEvent
from api.graph.types.activity import Activity
from api.graph.types.referral import Referral
from db import reads
from db.access import Viewer
from db.engine import Database
from db.event_log import EventRecord

EventRows = tuple[Sequence[Row[Any] | None], Sequence[Row[Any] | None]]


async def visible_event(context: SubscriptionContext, event: EventRecord) -> ReferralEvent | None:
    """A live event as the subscriber may see it now; None if its referral is not (or no
    longer) visible to its organization."""
    (shown,) = _events(context, [event], await _shared_read(context, event))
    return shown


async def visible_events(
    context: SubscriptionContext, events: Sequence[EventRecord]
) -> list[ReferralEvent]:
    """A replayed page of events as the subscriber may see them now, in two statements."""
    rows = await read(context.database, context.viewer, events)
    return [shown for shown in _events(context, events, rows) if shown is not None]


def _events(
    context: SubscriptionContext, events: Sequence[EventRecord], rows: EventRows
) -> list[ReferralEvent | None]:
    referrals = {row.id: row for row in rows[0] if row is not None}
    activities = {row.id: row for row in rows[1] if row is not None}
    shown: list[ReferralEvent | None] = []
    for event in events:
        referral, activity = referrals.get(event.referral_id), activities.get(event.id)
        if referral is None or activity is None:
            shown.append(None)
            continue
        context.loaders.referral_by_id.prime(referral.id, referral)
        shown.append(
            ReferralEvent(
                event_id=strawberry.ID(str(event.id)),
                cursor=to_event_cursor(event.position),
                activity=Activity.from_row(activity),
                referral=Referral.from_row(referral),
            )
        )
    return shown


async def _shared_read(context: SubscriptionContext, event: EventRecord) -> EventRows:
    """One read per organization and event on this worker: visibility and masking depend on
    the organization only, so its subscribers share the read's two statements."""
    reads = context.socket.hub.reads
    key = (context.viewer.organization_id, event.position)
    task = reads.get(key)
    if task is None:
        task = asyncio.create_task(read(context.database, context.viewer, [event]))
        reads[key] = task
        task.add_done_callback(lambda done: _finished(reads, key, done))
    rows: EventRows = await asyncio.shield(task)  # one subscriber leaving cancels no other's
    return rows


def _finished(
    reads: dict[tuple[uuid.UUID, int], asyncio.Task[Any]],
    key: tuple[uuid.UUID, int],
    task: asyncio.Task[Any],
) -> None:
    reads.pop(key, None)
    if not task.cancelled():
        task.exception()  # retrieved: the waiters, if any are left, have it too


async def read(database: Database, viewer: Viewer, events: Sequence[EventRecord]) -> EventRows:
    """The events' referrals and activities as the viewer may see them (two statements)."""
    referral_ids = list(dict.fromkeys(event.referral_id for event in events))
    async with database.engine.connect() as conn:
        referrals = await reads.referrals_by_id(conn, viewer, referral_ids)
        if not any(referrals):
            return referrals, []
        return referrals, await reads.activities_by_id(conn, viewer, [e.id for e in events])
