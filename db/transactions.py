"""Write transactions: serialized per referral by a compare-and-set on its version."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db import events
from db.access import Viewer, visible_referral_ids
from db.engine import Database
from db.ids import uuid7
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode, Refused
from db.tables import activity, participant, referral

T = TypeVar("T")

# A write that loses a race re-reads and re-decides; past this many losses it answers CONFLICT.
MAX_ATTEMPTS = 8


class LostRace(Exception):
    """The referral changed between reading it and writing it: decide again on fresh state."""


async def in_transaction(database: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` in one write transaction, retrying it when it lost a race.

    On SQLite, writers of this process take turns (`Database.writing`), and the transaction
    begins IMMEDIATE, taking the file's write lock before the first read, so a read lock is
    never upgraded; other processes' writers wait for it up to the busy timeout.
    The activities it records are published as events (`db.events`) only once it commits.
    """
    for _ in range(MAX_ATTEMPTS):
        async with database.writing(), database.engine.connect() as conn:
            if database.dialect == "sqlite":
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            outbox = events.Outbox.open(conn)
            try:
                result = await work(conn)
                await outbox.seal()  # PostgreSQL: NOTIFY, which only the commit delivers
            except LostRace:
                await conn.rollback()
                continue
            except BaseException:
                await conn.rollback()
                raise
            finally:
                outbox.close()
            await conn.commit()
        outbox.committed(database.engine)  # SQLite: to this process's subscribers
        return result
    raise Refused(
        RefusalCode.CONFLICT, "The referral kept changing concurrently; read it again and retry."
    )


async def lock_referral(
    conn: AsyncConnection,
    viewer: Viewer,
    referral_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    field: tuple[str, ...] = ("id",),
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
            field=("expectedVersion",),
            current_version=row.version,
        )
    return row


async def acting_participant(conn: AsyncConnection, viewer: Viewer, current: Row[Any]) -> Row[Any]:
    """The viewer organization's ACCEPTED participation: only such may change a referral."""
    row = (
        await conn.execute(
            select(participant).where(
                participant.c.referral_id == current.id,
                participant.c.organization_id == viewer.organization_id,
                participant.c.status == ParticipantStatus.ACCEPTED,
            )
        )
    ).first()
    if row is None:
        raise Refused(
            RefusalCode.NOT_AUTHORIZED,
            "Only organizations that accepted the referral may change it.",
        )
    return row


def refuse_if_closed(current: Row[Any]) -> None:
    if current.status in (ReferralStatus.WON, ReferralStatus.LOST):
        raise Refused(
            RefusalCode.INVALID_TRANSITION,
            f"The referral is {current.status.value}: closed referrals do not change.",
        )


async def bump(conn: AsyncConnection, current: Row[Any], now: datetime, **values: Any) -> int:
    """Advance the referral one version, only if nobody else did since it was read."""
    result = await conn.execute(
        update(referral)
        .where(referral.c.id == current.id, referral.c.version == current.version)
        .values(version=current.version + 1, updated_date=now, **values)
    )
    if result.rowcount != 1:
        raise LostRace
    new_version: int = current.version + 1
    return new_version


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
    events.note(conn, referral_id, activity_id)
    return activity_id
