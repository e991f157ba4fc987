"""Real mutations on loaded demo data extend its histories the way the demo itself does."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row

from db import writes
from db.access import Viewer
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from db.engine import Database
from db.refusals import RefusalCode, Refused
from tests.db.demo.support import (
    NOW,
    SIDE_EFFECTS,
    WINDOW,
    A,
    P,
    R,
    Rows,
    by_referral,
    check_history,
    check_participants,
    check_statuses,
    histories,
    new_engine,
    read_all,
)

# --- real mutations on demo data ------------------------------------------------------------

USER_OF = {org.id: org.demo_user_id for org in DEMO_ORGANIZATIONS}


def viewer(organization_id: uuid.UUID) -> Viewer:
    return Viewer(organization_id, USER_OF[organization_id], NOW)


def shape(row: Row[Any], parts: dict[Any, Row[Any]]) -> tuple[Any, ...]:
    """What an activity says, without its ids, times and texts."""

    def role(participant_id: Any) -> str | None:
        if participant_id is None:
            return None
        return "owner" if parts[participant_id].invited_by_participant_id is None else "invited"

    return (
        row.type,
        role(row.actor_participant_id),
        role(row.subject_participant_id),
        row.actor_participant_id == row.subject_participant_id,
        row.from_status,
        row.to_status,
        row.note is None,
    )


def shapes(rows: Rows) -> set[tuple[Any, ...]]:
    parts = {row.id: row for row in rows["participant"]}
    return {shape(row, parts) for row in rows["activity"]}


async def test_follow_up_mutations_extend_the_demo_histories_alike(
    tmp_path: Path, full: Rows
) -> None:
    """Real writes on loaded demo data: each adds one version and entries like the demo's."""
    database = Database(await new_engine(tmp_path / "writes.db"))
    try:
        async with database.engine.begin() as conn:
            await load_demo(conn, now=NOW, size=DemoSize(referrals=40))
        before = await read_all(database.engine)
        await follow_up(database, before)
        after = await read_all(database.engine)
    finally:
        await database.dispose()

    parts = {row.id: row for row in after["participant"]}
    demo_shapes = shapes(before) | shapes(full)
    versions = {row.id: row.version for row in before["referral"]}
    recorded = {row.id for row in before["activity"]}
    changed = Counter[Any]()
    for ref in after["referral"]:
        new = [row for row in histories(after)[ref.id] if row.id not in recorded]
        if not new:
            assert ref.version == versions[ref.id], "a refused write changes nothing"
            continue
        assert ref.version == versions[ref.id] + 1, "one change, one version"
        assert all(row.occurred_date == NOW for row in new)
        assert sum(row.type not in SIDE_EFFECTS for row in new) == 1
        for row in new:
            assert shape(row, parts) in demo_shapes, shape(row, parts)
            changed[row.type] += 1
    assert set(changed) == {
        A.NOTE_ADDED,
        A.STATUS_CHANGED,
        A.INVITATION_MISSED,
        A.INVITATION_EXPIRED,
        A.INVITATION_ACCEPTED,
        A.PARTICIPANT_INVITED,
    }
    # The histories, demo and real writes together, still replay by the rules.
    check_history(after, minimum=5)
    check_participants(after, count=3)
    check_statuses(after)


async def follow_up(database: Database, rows: Rows) -> None:
    """A few mutations per status, each by an organization allowed to make it, or refused."""
    participants = by_referral(rows["participant"])
    done: set[Any] = set()

    def pick(status: R, wanted: Callable[[list[Row[Any]]], bool], count: int) -> list[Row[Any]]:
        found = [
            ref
            for ref in rows["referral"]
            if ref.status is status and ref.id not in done and wanted(participants[ref.id])
        ][:count]
        assert len(found) == count, (status, wanted.__name__)
        done.update(ref.id for ref in found)
        return found

    def live(parts: list[Row[Any]]) -> bool:
        return any(row.status is P.INVITED and row.expires_date > NOW for row in parts)

    def lapsed(parts: list[Row[Any]]) -> bool:
        return any(row.status is P.INVITED and row.expires_date <= NOW for row in parts)

    def settled(parts: list[Row[Any]]) -> bool:
        return not any(row.status is P.INVITED for row in parts)

    def invitation(ref: Row[Any], *, open_: bool) -> Row[Any]:
        return next(
            row
            for row in participants[ref.id]
            if row.status is P.INVITED and (row.expires_date > NOW) == open_
        )

    async def refused(code: RefusalCode, write: Awaitable[Any]) -> None:
        with pytest.raises(Refused) as refusal:
            await write
        assert refusal.value.code is code

    for ref in pick(R.PENDING, settled, 2):
        owner = viewer(ref.owner_organization_id)
        await writes.add_note(database, owner, ref.id, "Followed up with the customer's CIO.")
    # Closing ends the open invitations: MISSED within their window, EXPIRED past it.
    for ref in pick(R.ACTIVE, live, 1):
        await writes.change_status(database, viewer(ref.owner_organization_id), ref.id, R.WON)
    for ref in pick(R.ACTIVE, lapsed, 1):
        await writes.change_status(
            database, viewer(ref.owner_organization_id), ref.id, R.LOST, reason="Lost on price"
        )
    # The first acceptance activates a PENDING referral; later ones only join.
    for ref in [*pick(R.PENDING, live, 2), *pick(R.ACTIVE, live, 1)]:
        invited = invitation(ref, open_=True)
        await writes.answer_invitation(
            database, viewer(invited.organization_id), invited.id, accept=True
        )
    # Past its window an invitation cannot be answered; inviting again stores it EXPIRED.
    for ref in [*pick(R.PENDING, lapsed, 1), *pick(R.ACTIVE, lapsed, 1)]:
        invited = invitation(ref, open_=False)
        await refused(
            RefusalCode.INVITATION_EXPIRED,
            writes.answer_invitation(
                database, viewer(invited.organization_id), invited.id, accept=True
            ),
        )
        await writes.invite_participant(
            database,
            viewer(ref.owner_organization_id),
            ref.id,
            invited.organization_id,
            window=WINDOW,
        )
    # Closed referrals refuse every change.
    for ref in [*pick(R.WON, settled, 2), *pick(R.LOST, settled, 2)]:
        owner = viewer(ref.owner_organization_id)
        await refused(
            RefusalCode.INVALID_TRANSITION,
            writes.add_note(database, owner, ref.id, "Too late for this."),
        )
        await refused(
            RefusalCode.INVALID_TRANSITION,
            writes.change_status(database, owner, ref.id, R.LOST, reason="Changed our mind"),
        )
