"""Events as an organization may see them: the subscription's replay and the activity feed.

An organization sees the events of the referrals it may see now (`db.access`), as it sees
their activities: visibility is decided when the events are read, not when they happened.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer, visible_referral_ids
from db.event_log import EventRecord, read_after
from db.tables import referral_event


def _visible(viewer: Viewer, referral_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [
        referral_event.c.referral_id.in_(visible_referral_ids(viewer))
    ]
    if referral_id is not None:
        terms.append(referral_event.c.referral_id == referral_id)
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
    where = [referral_event.c.position <= through, *_visible(viewer, referral_id)]
    return await read_after(conn, after, limit, where=where)
