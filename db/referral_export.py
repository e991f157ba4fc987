"""The referrals an organization sees, page by page, each with its parts, as the API reads them.

Every read goes through `db.reads` (and `db.organizations`), so an export shows exactly what
the graph would show the organization: the same visibility, the same masked contact details,
the same participant statuses as read now. Pages are keyset pages of the list in creation
order, so memory stays bounded by one page whatever the number of referrals.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import reads
from db.access import Viewer
from db.organizations import organizations_by_id
from db.paging import PageRequest, Position
from db.referral_list import ReferralFilter, ReferralOrder, referral_page

PAGE_SIZE = 100
_ORDER = ReferralOrder(field="created_date", descending=False)


@dataclass(frozen=True, slots=True)
class ReferralParts:
    """One referral as an organization sees it: its rows, each as `db.reads` answers it."""

    referral: Row[Any]
    customer_profile: Row[Any] | None
    requirements: Row[Any] | None
    information: Row[Any] | None
    # The referral's participants (earliest invited first), each with its users in order.
    participants: list[tuple[Row[Any], list[Row[Any]]]]
    # Organization names by id, for the participants' organizations.
    organization_names: dict[uuid.UUID, str]


async def count_visible(engine: AsyncEngine, viewer: Viewer) -> int:
    """How many referrals the organization sees: what an export will stream."""
    async with engine.connect() as conn:
        (count,) = await reads.referral_counts(conn, viewer, [ReferralFilter()])
    return count


async def visible_referrals(
    engine: AsyncEngine, viewer: Viewer, *, page_size: int = PAGE_SIZE
) -> AsyncIterator[list[ReferralParts]]:
    """Every referral the viewer sees, oldest first, one page (a list) at a time.

    Each page is read on a connection of its own and let go before the next is read: seven
    statements a page (the page, then each part of its referrals, batched), whatever its size.
    """
    after: Position | None = None
    while True:
        async with engine.connect() as conn:
            page = await referral_page(
                conn,
                viewer,
                where=ReferralFilter(),
                order=_ORDER,
                request=PageRequest(limit=page_size, after=after),
            )
            if not page.rows:
                return
            yield await _parts(conn, viewer, page.rows)
        if not page.has_next_page:
            return
        last = page.rows[-1]
        after = Position(last.created_date, last.id)


async def _parts(
    conn: AsyncConnection, viewer: Viewer, rows: Sequence[Row[Any]]
) -> list[ReferralParts]:
    ids = [row.id for row in rows]
    profiles = await reads.customer_profiles_by_referral(conn, viewer, ids)
    requirements = await reads.requirements_by_referral(conn, viewer, ids)
    information = await reads.additional_information_by_referral(conn, viewer, ids)
    participants = await reads.participants_by_referral(conn, viewer, ids)
    participant_ids = [p.id for group in participants for p in group]
    users = dict(
        zip(
            participant_ids,
            await reads.users_by_participant(conn, viewer, participant_ids),
            strict=True,
        )
    )
    organization_ids = list(dict.fromkeys(p.organization_id for g in participants for p in g))
    organizations = await organizations_by_id(conn, viewer, organization_ids)
    names = {row.id: row.name for row in organizations if row is not None}
    return [
        ReferralParts(
            referral=row,
            customer_profile=profile,
            requirements=requirement,
            information=info,
            participants=[(p, users[p.id]) for p in group],
            organization_names=names,
        )
        for row, profile, requirement, info, group in zip(
            rows, profiles, requirements, information, participants, strict=True
        )
    ]
