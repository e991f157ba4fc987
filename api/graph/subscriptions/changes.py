"""A committed change as a subscriber's organization may see it now, read once per worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from api.graph.subscriptions.context import SubscriptionContext
from api.graph.subscriptions.event import ReferralEvent
from api.graph.types.activity import Activity
from api.graph.types.referral import Referral
from db import reads
from db.access import Viewer
from db.engine import Database
from db.events import ReferralChange


async def visible_events(
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


async def _shared_read(context: SubscriptionContext, change: ReferralChange) -> ChangeRows:
    """One read per organization and change on this worker: visibility and masking depend on
    the organization only, so its subscribers share the read's two statements."""
    reads = context.socket.hub.reads
    key = (context.viewer.organization_id, change)
    task = reads.get(key)
    if task is None:
        task = asyncio.create_task(read(context.database, context.viewer, change))
        reads[key] = task
        task.add_done_callback(lambda done: _finished(reads, key, done))
    rows: ChangeRows = await asyncio.shield(task)  # one subscriber leaving cancels no other's
    return rows


def _finished(
    reads: dict[tuple[uuid.UUID, ReferralChange], asyncio.Task[Any]],
    key: tuple[uuid.UUID, ReferralChange],
    task: asyncio.Task[Any],
) -> None:
    reads.pop(key, None)
    if not task.cancelled():
        task.exception()  # retrieved: the waiters, if any are left, have it too


async def read(database: Database, viewer: Viewer, change: ReferralChange) -> ChangeRows:
    async with database.engine.connect() as conn:
        (row,) = await reads.referrals_by_id(conn, viewer, [change.referral_id])
        if row is None:
            return None, []
        return row, await reads.activities_by_id(conn, viewer, list(change.activity_ids))
