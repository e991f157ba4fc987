"""Who may see what: the visibility and masking rules of DOMAIN.md as SQL expressions.

Every read in `db.reads` filters through these, so `node`, `nodes`, lists and nested fields
all obey one rule whatever keys the API layer passes in.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import ParticipantStatus
from db.tables import participant


@dataclass(frozen=True, slots=True)
class Viewer:
    """The organization and user a request acts for, and the instant it reads at."""

    organization_id: uuid.UUID
    user_id: uuid.UUID
    now: datetime


def visible_referral_ids(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Referrals the viewer's organization takes part in, in any participant status."""
    return select(participant.c.referral_id).where(
        participant.c.organization_id == viewer.organization_id
    )


def contact_visible(viewer: Viewer, referral_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Whether the viewer may read the customer's email and phone: only ACCEPTED participants."""
    own = participant.alias("own_participation")
    return exists().where(
        own.c.referral_id == referral_id,
        own.c.organization_id == viewer.organization_id,
        own.c.status == ParticipantStatus.ACCEPTED,
    )


def effective_participant_status(viewer: Viewer) -> ColumnElement[ParticipantStatus]:
    """The stored status, except that an invitation past its window reads as EXPIRED.

    Expiry is a rule of time: it holds whenever anyone looks, without waiting for a job.
    """
    return _status_as_read(viewer).label("status")


def _status_as_read(viewer: Viewer) -> ColumnElement[ParticipantStatus]:
    expired = and_(
        participant.c.status == ParticipantStatus.INVITED,
        participant.c.expires_date <= viewer.now,
    )
    return type_coerce(
        case((expired, ParticipantStatus.EXPIRED.value), else_=participant.c.status),
        participant.c.status.type,
    )


def viewer_participates(
    viewer: Viewer,
    referral_id: ColumnElement[uuid.UUID],
    *,
    statuses: tuple[ParticipantStatus, ...] | None = None,
    open_invitation_expires_before: datetime | None = None,
) -> ColumnElement[bool]:
    """Whether one of the viewer's participations in the referral is in `statuses` (as read
    now, so a lapsed invitation counts as EXPIRED) or an open invitation expiring before
    the given instant."""
    terms = [
        participant.c.referral_id == referral_id,
        participant.c.organization_id == viewer.organization_id,
    ]
    if statuses is not None:
        terms.append(_status_as_read(viewer).in_(statuses))
    if open_invitation_expires_before is not None:
        terms += [
            participant.c.status == ParticipantStatus.INVITED,
            participant.c.expires_date > viewer.now,
            participant.c.expires_date < open_invitation_expires_before,
        ]
    return exists().where(*terms)


async def organizations_seeing(
    conn: AsyncConnection, referral_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The organizations that may see each referral: the same rule as `visible_referral_ids`
    (a participant in any status), asked from the referral's side (webhook fan-out)."""
    stmt = (
        select(participant.c.referral_id, participant.c.organization_id)
        .where(participant.c.referral_id.in_(referral_ids))
        .distinct()
    )
    seeing: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in await conn.execute(stmt):
        seeing.setdefault(row.referral_id, set()).add(row.organization_id)
    return seeing
