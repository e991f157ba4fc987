"""Events as an organization may see them: the subscription's replay and the activity feed.

An organization sees the events of the referrals it may see now (`db.access`), as it sees
their activities: visibility is decided when the events are read, not when they happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer, visible_referral_ids
from db.event_log import EventRecord, EventsExpired, pruned_through, read_after
from db.models import ActivityType
from db.paging import Page, to_page
from db.tables import referral_event, referral_event_horizon


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Conditions on events; all given ones must hold. Hashable: a loader key."""

    referral_id: uuid.UUID | None = None
    types: tuple[ActivityType, ...] | None = None
    occurred_after: datetime | None = None  # inclusive
    occurred_before: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class EventPageRequest:
    """`limit` events after `after` and before `before` (positions, in list order), from the
    end of that range if `from_end`; newest first unless `oldest_first`."""

    limit: int
    oldest_first: bool = False
    from_end: bool = False
    after: int | None = None
    before: int | None = None


def _visible(viewer: Viewer, where: EventFilter) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [
        referral_event.c.referral_id.in_(visible_referral_ids(viewer))
    ]
    if where.referral_id is not None:
        terms.append(referral_event.c.referral_id == where.referral_id)
    if where.types is not None:
        terms.append(referral_event.c.type.in_(where.types))
    if where.occurred_after is not None:
        terms.append(referral_event.c.occurred_date >= where.occurred_after)
    if where.occurred_before is not None:
        terms.append(referral_event.c.occurred_date < where.occurred_before)
    return terms


async def visible_after(
    conn: AsyncConnection,
    viewer: Viewer,
    *,
    after: int,
    through: int,
    limit: int,
    referral_id: uuid.UUID | None = None,
) -> list[EventRecord]:
    """The viewer's events with position in (after, through], oldest first, at most `limit`
    (of one referral, if given); EventsExpired when events after `after` were pruned."""
    where = [
        referral_event.c.position <= through,
        *_visible(viewer, EventFilter(referral_id=referral_id)),
    ]
    return await read_after(conn, after, limit, where=where)


async def event_page(
    conn: AsyncConnection, viewer: Viewer, *, where: EventFilter, request: EventPageRequest
) -> Page:
    """One page of the viewer's events by position, in one statement (two when a cursor was
    given and nothing follows it). EventsExpired, naming the argument, for a cursor before
    what pruning kept: the events between it and the oldest one kept are gone."""
    position = referral_event.c.position
    # In list order, `after` moves away from the list's start: up the log oldest first,
    # down it newest first; `before` the other way.
    up = request.oldest_first
    window = []
    if request.after is not None:
        window.append(position > request.after if up else position < request.after)
    if request.before is not None:
        window.append(position < request.before if up else position > request.before)
    ascending = up != request.from_end
    horizon = select(func.coalesce(func.max(referral_event_horizon.c.pruned_through), 0))
    stmt: Select[Any] = (
        select(referral_event, horizon.scalar_subquery().label("horizon"))
        .where(*_visible(viewer, where), *window)
        .order_by(position.asc() if ascending else position.desc())
        .limit(request.limit + 1)
    )
    rows = (await conn.execute(stmt)).all()
    cursors = {"after": request.after, "before": request.before}
    if any(value is not None for value in cursors.values()):
        oldest_kept = rows[0].horizon if rows else await pruned_through(conn)
        for argument, at in cursors.items():
            if at is not None and at < oldest_kept:
                raise EventsExpired(at, oldest_kept, argument=argument)
    return to_page(rows, request)


async def event_counts(
    conn: AsyncConnection, viewer: Viewer, filters: Sequence[EventFilter]
) -> list[int]:
    """How many of the viewer's events each filter keeps (one statement per distinct one)."""
    counts = {}
    for where in dict.fromkeys(filters):
        stmt = select(func.count()).select_from(referral_event).where(*_visible(viewer, where))
        counts[where] = int((await conn.execute(stmt)).scalar_one())
    return [counts[where] for where in filters]
