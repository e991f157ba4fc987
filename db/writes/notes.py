"""addNote: a NOTE_ADDED activity in the referral's history."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from db import rules, validation
from db.access import Viewer
from db.engine import Database
from db.models import ActivityType
from db.writes.steps import acting_participant, bump, lock_referral, record
from db.writes.transaction import in_transaction


async def add_note(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    note: str,
    *,
    expected_version: int | None = None,
) -> uuid.UUID:
    """A NOTE_ADDED activity; its id."""
    text = validation.text(
        note, ("note",), limit=validation.NOTE_MAX, required=True, multiline=True
    )

    async def work(conn: AsyncConnection) -> uuid.UUID:
        current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
        actor = await acting_participant(conn, viewer, current, rules.may_change)
        await bump(conn, current, viewer.now)
        return await record(
            conn, referral_id, ActivityType.NOTE_ADDED, viewer.now, actor=actor.id, note=text
        )

    return await in_transaction(database, work)
