"""Load the demo into a fresh SQLite file, read its rows, and check them against the rules."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, Select, Table, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from db import rules
from db.demo import DemoSize, load_demo
from db.engine import create_engine
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.tables import (
    activity,
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    organization,
    participant,
    participant_user,
    referral,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SIZE = DemoSize(referrals=60)
WINDOW = timedelta(days=14)
TABLES = (
    organization,
    app_user,
    referral,
    customer_profile,
    customer_requirements,
    additional_information,
    participant,
    participant_user,
    activity,
)

EMAIL = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*@[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9-]+)*\.[a-z]{2,}$")
PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
# The note of an UPDATED entry: "Changed " and the changed fields' input paths, as
# update_referral writes it (e.g. "Changed name, customerProfile.contact.phoneNumber").
CHANGED = re.compile(
    r"^Changed [a-zA-Z0-9]+(?:\.[a-zA-Z0-9]+)*(?:, [a-zA-Z0-9]+(?:\.[a-zA-Z0-9]+)*)*$"
)
CURRENCY_OF = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "IN": "INR",
    "JP": "JPY",
    "AU": "AUD",
    "CA": "CAD",
    "BR": "BRL",
}
CALLING_CODE = {
    "US": "+1",
    "CA": "+1",
    "GB": "+44",
    "DE": "+49",
    "FR": "+33",
    "NL": "+31",
    "IN": "+91",
    "JP": "+81",
    "AU": "+61",
    "BR": "+55",
}

A = ActivityType
P = ParticipantStatus
R = ReferralStatus
SIDE_EFFECTS = (A.INVITATION_EXPIRED, A.INVITATION_MISSED)
OPEN = (R.PENDING, R.ACTIVE)

Rows = dict[str, list[Row[Any]]]


async def new_engine(path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    return engine


async def read_all(engine: AsyncEngine) -> Rows:
    """Every table's rows in key order, and under "inserted" the activities as inserted."""
    async with engine.connect() as conn:
        rows = {table.name: list(await conn.execute(_in_key_order(table))) for table in TABLES}
        inserted = select(activity.c.id, activity.c.referral_id).order_by(literal_column("rowid"))
        rows["inserted"] = list(await conn.execute(inserted))
        return rows


async def load_and_read(path: Path, *, seed: int = 7, size: DemoSize = SIZE) -> Rows:
    """Load demo data into a new database at `path`; every table's rows, in key order."""
    engine = await new_engine(path)
    try:
        async with engine.begin() as conn:
            assert await load_demo(conn, now=NOW, size=size, seed=seed) == size.referrals
        return await read_all(engine)
    finally:
        await engine.dispose()


def _in_key_order(table: Table) -> Select[Any]:
    return select(table).order_by(*table.primary_key.columns)


def by_referral(rows: list[Row[Any]]) -> dict[Any, list[Row[Any]]]:
    grouped: dict[Any, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.referral_id].append(row)
    return grouped


def histories(rows: Rows) -> dict[Any, list[Row[Any]]]:
    """Each referral's activities in the order the API lists them: (occurred_date, id)."""
    return {
        referral_id: sorted(entries, key=lambda row: (row.occurred_date, row.id))
        for referral_id, entries in by_referral(rows["activity"]).items()
    }


def check_participants(rows: Rows, *, count: int) -> None:
    """`count` organizations per referral; one row each, but for invitations that lapsed."""
    participants = by_referral(rows["participant"])
    for ref in rows["referral"]:
        parts = {row.id: row for row in participants[ref.id]}
        owners = [row for row in parts.values() if row.invited_by_participant_id is None]
        assert len(owners) == 1
        owner = owners[0]
        assert owner.status is P.ACCEPTED
        assert owner.organization_id == ref.owner_organization_id
        assert owner.invited_date == owner.responded_date == ref.created_date
        assert owner.expires_date is None
        assert owner.note is None
        rows_of: dict[Any, list[Row[Any]]] = defaultdict(list)
        for row in sorted(parts.values(), key=lambda row: row.invited_date):
            rows_of[row.organization_id].append(row)
        assert len(rows_of) == count
        for again in rows_of.values():
            # An organization is invited again only after its earlier invitation lapsed.
            assert all(row.status is P.EXPIRED for row in again[:-1])
        for row in parts.values():
            if row is owner:
                continue
            inviter = parts[row.invited_by_participant_id]
            assert inviter.status is P.ACCEPTED, "only accepted participants invite"
            assert inviter.responded_date < row.invited_date
            assert row.invited_date > ref.created_date
            assert row.expires_date == row.invited_date + WINDOW
            answered = row.status in (P.ACCEPTED, P.REJECTED)
            assert (row.responded_date is not None) == answered
            if answered:
                assert row.invited_date < row.responded_date < row.expires_date


def check_statuses(rows: Rows) -> None:
    participants = by_referral(rows["participant"])
    for ref in rows["referral"]:
        invited = [row for row in participants[ref.id] if row.invited_by_participant_id]
        statuses = [row.status for row in invited]
        if ref.status is R.PENDING:
            assert P.ACCEPTED not in statuses, "an acceptance activates a PENDING referral"
        if ref.status in (R.WON, R.LOST):
            assert P.INVITED not in statuses, "open invitations end when the referral closes"
        if ref.status is R.LOST:
            assert ref.status_reason
        elif ref.status is not R.WON:
            assert ref.status_reason is None
        for row in invited:
            if row.status in (P.EXPIRED, P.MISSED):
                assert row.responded_date is None
            if row.status is P.EXPIRED:
                assert row.expires_date <= NOW
            if row.status is P.MISSED:
                assert ref.status in (R.WON, R.LOST)


def check_history(rows: Rows, *, minimum: int) -> None:
    participants = by_referral(rows["participant"])
    listed = histories(rows)
    for ref in rows["referral"]:
        assert len(listed[ref.id]) >= minimum
        replay(ref, listed[ref.id], {row.id: row for row in participants[ref.id]})


def replay(ref: Row[Any], history: list[Row[Any]], parts: dict[Any, Row[Any]]) -> None:
    """Play the history forward by `db.rules`, as the writes do: the stored rows are its outcome."""
    owner = next(row for row in parts.values() if row.invited_by_participant_id is None)
    created = history[0]
    assert (
        created.type,
        created.actor_participant_id,
        created.subject_participant_id,
        created.from_status,
        created.to_status,
        created.note,
    ) == (A.CREATED, owner.id, None, None, R.PENDING, None)
    assert created.occurred_date == ref.created_date

    status, reason = R.PENDING, None
    state = {owner.id: P.ACCEPTED}  # the participants made so far, as they stand
    change = created  # the last change: side effects share its instant
    changes = 1  # the version: one per change, side effects excluded
    for row, following in zip(history[1:], [*history[2:], None], strict=True):
        at = row.occurred_date
        if row.type in SIDE_EFFECTS:
            subject = parts[row.subject_participant_id]
            assert (row.actor_participant_id, row.from_status, row.to_status, row.note) == (
                None,
                None,
                None,
                None,
            )
            assert state.get(subject.id) is P.INVITED, "only an open invitation ends so"
            closing = change.type is A.STATUS_CHANGED and change.to_status in rules.CLOSED
            closing = closing and change.occurred_date == at
            inviting_again = (
                following is not None
                and following.type is A.PARTICIPANT_INVITED
                and following.occurred_date == at
                and parts[following.subject_participant_id].organization_id
                == subject.organization_id
            )
            if row.type is A.INVITATION_MISSED:
                assert closing
                assert at < subject.expires_date
            else:
                # Never on its own: expiry is stored only by a close or by inviting again.
                assert closing or inviting_again, "an INVITATION_EXPIRED without its change"
                assert subject.expires_date <= at
                assert rules.lapsed(state[subject.id], subject.expires_date, at)
            ended, kind = rules.ended_by_close(subject.expires_date, at)
            assert kind is row.type
            state[subject.id] = ended
            continue

        # A change of its own: strictly after the last, and only while the referral is open.
        assert at > change.occurred_date, "changes have increasing timestamps"
        assert status in OPEN, f"{row.type} on a {status} referral"
        change, changes = row, changes + 1
        actor = row.actor_participant_id
        if row.type in (A.INVITATION_ACCEPTED, A.INVITATION_REJECTED):
            invited = parts[row.subject_participant_id]
            assert actor == invited.id
            assert state.get(invited.id) is P.INVITED
            assert at < invited.expires_date
            assert rules.may_answer(status, state[invited.id], invited.expires_date, at) is None
            assert invited.responded_date == at
            accepted = row.type is A.INVITATION_ACCEPTED
            activates = accepted and status is R.PENDING
            assert activates == rules.activates(status, accept=accepted)
            expected = (R.PENDING, R.ACTIVE) if activates else (None, None)
            assert (row.from_status, row.to_status) == expected
            status = R.ACTIVE if activates else status
            if accepted:
                assert row.note is None
            state[invited.id] = P.ACCEPTED if accepted else P.REJECTED
            assert (state[invited.id], row.type) == rules.answered(accept=accepted)
            continue

        assert state.get(actor) is P.ACCEPTED, f"{row.type} by a participant who did not accept"
        assert rules.may_change(status, state.get(actor)) is None
        if row.type is A.PARTICIPANT_INVITED:
            invited = parts[row.subject_participant_id]
            assert invited.id not in state
            assert invited.invited_by_participant_id == actor
            assert invited.invited_date == at
            assert invited.expires_date == at + WINDOW
            assert invited.organization_id != owner.organization_id
            assert not any(
                parts[other].organization_id == invited.organization_id
                and other_state in (P.INVITED, P.ACCEPTED)
                for other, other_state in state.items()
            ), "an organization holds one open participation"
            own = invited.organization_id == parts[actor].organization_id
            assert rules.may_invite(status, state[actor], own_organization=own) is None
            assert (
                rules.may_invite_organization(
                    other_state
                    for other, other_state in state.items()
                    if parts[other].organization_id == invited.organization_id
                )
                is None
            )
            assert (row.from_status, row.to_status) == (None, None)
            assert row.note == invited.note  # the invitation's note stays the participant's
            state[invited.id] = P.INVITED
        elif row.type is A.STATUS_CHANGED:
            assert row.subject_participant_id is None
            assert row.from_status is status
            assert row.to_status in rules.TRANSITIONS[status]
            assert rules.may_change_status(status, state[actor], row.to_status) is None
            if row.to_status is R.LOST:
                assert row.note
            elif row.to_status is not R.WON:
                assert row.note is None
            assert rules.status_reason_refusal(row.to_status, row.note) is None
            status, reason = row.to_status, row.note
        elif row.type is A.NOTE_ADDED:
            assert row.note
            assert (row.subject_participant_id, row.from_status, row.to_status) == (None,) * 3
        elif row.type is A.UPDATED:
            assert CHANGED.match(row.note), row.note
            assert (row.subject_participant_id, row.from_status, row.to_status) == (None,) * 3
        else:
            pytest.fail(f"unexpected {row.type} after creation")

    assert (status, reason) == (ref.status, ref.status_reason)
    side_effects = sum(row.type in SIDE_EFFECTS for row in history)
    assert ref.version == changes == len(history) - side_effects
    assert ref.updated_date == history[-1].occurred_date <= NOW
    assert state == {row.id: row.status for row in parts.values()}
