"""The steps every referral write shares: lock it, find who acts, bump its version, record."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db import events
from db.access import Viewer, visible_referral_ids
from db.ids import uuid7
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import FieldError, InvalidInput, Path, RefusalCode, Refused
from db.rules import Refusal
from db.tables import activity, app_user, participant, participant_user, referral
from db.writes.transaction import LostRace

# A rule of `db.rules` about the acting organization: (referral status, its participation).
ActorRule = Callable[[ReferralStatus, ParticipantStatus | None], Refusal | None]


def enforce(refusal: Refusal | None) -> None:
    """Raise what the rules refuse, if they do."""
    if refusal is not None:
        raise Refused(refusal.code, refusal.message, field=refusal.field)


async def lock_referral(
    conn: AsyncConnection,
    viewer: Viewer,
    referral_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    field: Path = ("id",),
) -> Row[Any]:
    """The referral as it stands, if the viewer may see it and it is at `expected_version`."""
    # FOR UPDATE makes racing writers queue on the row (PostgreSQL) instead of losing their
    # compare-and-set over and over; SQLite's BEGIN IMMEDIATE already serializes writers.
    row = (
        await conn.execute(
            select(referral)
            .where(referral.c.id == referral_id, referral.c.id.in_(visible_referral_ids(viewer)))
            .with_for_update(of=referral)
        )
    ).first()
    if row is None:
        raise Refused(RefusalCode.NOT_FOUND, "No such referral.", field=field)
    if expected_version is not None and row.version != expected_version:
        raise Refused(
            RefusalCode.CONFLICT,
            f"The referral is at version {row.version}, not {expected_version}: "
            "it changed since you read it.",
            field=("expected_version",),
            current_version=row.version,
        )
    return row


async def acting_participant(
    conn: AsyncConnection, viewer: Viewer, current: Row[Any], may: ActorRule
) -> Row[Any]:
    """The viewer organization's ACCEPTED participation, once the rule `may` lets it act."""
    row = (
        await conn.execute(
            select(participant).where(
                participant.c.referral_id == current.id,
                participant.c.organization_id == viewer.organization_id,
                participant.c.status == ParticipantStatus.ACCEPTED,
            )
        )
    ).first()
    enforce(may(current.status, None if row is None else row.status))
    assert row is not None, "the rules let only ACCEPTED participants act"
    return row


async def bump(conn: AsyncConnection, current: Row[Any], now: datetime, **values: Any) -> None:
    """Advance the referral one version, only if nobody else did since it was read."""
    result = await conn.execute(
        update(referral)
        .where(referral.c.id == current.id, referral.c.version == current.version)
        .values(version=current.version + 1, updated_date=now, **values)
    )
    if result.rowcount != 1:
        raise LostRace


async def record(
    conn: AsyncConnection,
    referral_id: uuid.UUID,
    type_: ActivityType,
    now: datetime,
    *,
    actor: uuid.UUID | None = None,
    subject: uuid.UUID | None = None,
    from_status: ReferralStatus | None = None,
    to_status: ReferralStatus | None = None,
    note: str | None = None,
) -> uuid.UUID:
    """Append one activity to the referral's history, in the change's own transaction."""
    activity_id = uuid7()
    await conn.execute(
        activity.insert().values(
            id=activity_id,
            referral_id=referral_id,
            type=type_,
            occurred_date=now,
            actor_participant_id=actor,
            subject_participant_id=subject,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    )
    events.note(conn, referral_id, activity_id, type_, now)
    return activity_id


async def assign_users(
    conn: AsyncConnection,
    participant_id: uuid.UUID,
    organization_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID],
    *,
    strict: bool,
) -> None:
    """Put the organization's own users on a participant; with `strict`, refuse others.

    A refusal names the first unknown user by its index in `user_ids` as given (duplicates
    included), as the caller counts.
    """
    wanted = list(dict.fromkeys(user_ids))
    known = set(
        (
            await conn.scalars(
                select(app_user.c.id).where(
                    app_user.c.id.in_(wanted), app_user.c.organization_id == organization_id
                )
            )
        ).all()
    )
    if strict:
        for index, user_id in enumerate(user_ids):
            if user_id not in known:
                raise InvalidInput(
                    [
                        FieldError(
                            ("user_ids", str(index)), "is not a user of the invited organization."
                        )
                    ]
                )
    rows = [
        {"participant_id": participant_id, "user_id": user_id, "position": position}
        for position, user_id in enumerate(u for u in wanted if u in known)
    ]
    if rows:
        await conn.execute(insert(participant_user), rows)
