"""Organizations as every partner sees them: an ID and a name, never users or contacts.

Any organization may list the others by name (to choose whom to invite), so the lists and
lookups by ID filter nothing by viewer; they return only the `organization` table's id and
name. A participant's organization is read, like the participant, only in referrals the
viewer sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer, visible_referral_ids
from db.paging import Page, PageRequest, order_terms, to_page, window_conditions
from db.search import folded_contains
from db.tables import organization, participant

# What other organizations may read of one, whatever columns the table gains.
_SHOWN = (organization.c.id, organization.c.name)


def _partners(viewer: Viewer, search: str | None) -> Select[Any]:
    """Organizations other than the viewer's (it cannot invite itself), matching `search`."""
    stmt = select(*_SHOWN).where(organization.c.id != viewer.organization_id)
    if search:
        stmt = stmt.where(folded_contains(organization.c.name, search))
    return stmt


async def organization_page(
    conn: AsyncConnection, viewer: Viewer, *, search: str | None, request: PageRequest
) -> Page:
    """One page of the other organizations by name, then id (the `(name, id)` index), one
    statement."""
    name, id_ = organization.c.name, organization.c.id
    stmt = (
        _partners(viewer, search)
        .where(*window_conditions(name, id_, descending=False, request=request))
        .order_by(*order_terms(name, id_, descending=False, request=request))
        .limit(request.limit + 1)
    )
    return to_page((await conn.execute(stmt)).all(), request)


async def organization_counts(
    conn: AsyncConnection, viewer: Viewer, searches: Sequence[str | None]
) -> list[int]:
    """How many other organizations each search matches (one statement per distinct one)."""
    counts = {}
    for search in dict.fromkeys(searches):
        stmt = select(func.count()).select_from(_partners(viewer, search).subquery())
        counts[search] = (await conn.execute(stmt)).scalar_one()
    return [counts[search] for search in searches]


async def organizations_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Organizations by primary key, the viewer's own included."""
    stmt: Select[Any] = select(*_SHOWN).where(organization.c.id.in_(ids))
    found = {row.id: row for row in await conn.execute(stmt)}
    return [found.get(key) for key in ids]


async def organizations_by_participant(
    conn: AsyncConnection, viewer: Viewer, participant_ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Each participant's organization, for participants of referrals the viewer sees."""
    stmt: Select[Any] = (
        select(*_SHOWN, participant.c.id.label("participant_id"))
        .join(participant, participant.c.organization_id == organization.c.id)
        .where(
            participant.c.id.in_(participant_ids),
            participant.c.referral_id.in_(visible_referral_ids(viewer)),
        )
    )
    found = {row.participant_id: row for row in await conn.execute(stmt)}
    return [found.get(key) for key in participant_ids]
