"""Demo data: valid by the domain's rules, written as the mutations write, the same for a seed.

The histories are replayed by the rules of `db.writes` (who may act, the transitions, one version
per change, the side effects of closing and of inviting again), and a few real mutations on
loaded demo data must extend them the way the demo itself does.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, Select, Table, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from db import rules, writes
from db.access import Viewer
from db.demo import DEMO_ORGANIZATIONS, DemoSize, has_data, load_demo
from db.engine import Database, create_engine
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode, Refused
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


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await new_engine(tmp_path / "demo.db")
    yield engine
    await engine.dispose()


@pytest.fixture
async def demo(tmp_path: Path) -> Rows:
    return await load_and_read(tmp_path / "demo.db")


@pytest.fixture(scope="module")
async def full(tmp_path_factory: pytest.TempPathFactory) -> Rows:
    """A load of the default size, as `make run` makes it."""
    return await load_and_read(tmp_path_factory.mktemp("full") / "demo.db", size=DemoSize())


async def test_has_data_is_false_before_loading_and_true_after(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert await has_data(conn) is False
        assert await load_demo(conn, now=NOW, size=DemoSize(referrals=3)) == 3
        assert await has_data(conn) is True


async def test_loading_again_reuses_organizations_and_users(engine: AsyncEngine) -> None:
    users = select(app_user.c.id).order_by(app_user.c.id)
    async with engine.begin() as conn:
        assert await load_demo(conn, now=NOW, size=DemoSize(referrals=0)) == 0
        assert await has_data(conn) is False
        first_users = (await conn.execute(users)).scalars().all()
        assert await load_demo(conn, now=NOW, size=DemoSize(referrals=3)) == 3
        organizations = (await conn.execute(select(organization.c.id))).scalars().all()
        assert (await conn.execute(users)).scalars().all() == first_users
    assert sorted(organizations) == sorted(org.id for org in DEMO_ORGANIZATIONS)


async def test_every_referral_has_one_of_each_part(demo: Rows) -> None:
    referral_ids = [row.id for row in demo["referral"]]
    assert len(referral_ids) == 60
    for part in ("customer_profile", "customer_requirements", "additional_information"):
        assert sorted(row.referral_id for row in demo[part]) == sorted(referral_ids), part
    for requirements in demo["customer_requirements"]:
        for values in (requirements.industries, requirements.products, requirements.services):
            assert 1 <= len(values) <= 3
            assert all(isinstance(value, str) and value for value in values)
        assert requirements.customer_need


async def test_each_referral_has_an_owner_and_invited_other_organizations(demo: Rows) -> None:
    check_participants(demo, count=3)


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


async def test_participants_are_worked_by_users_of_their_own_organization(demo: Rows) -> None:
    user_org = {user.id: user.organization_id for user in demo["app_user"]}
    teams: dict[Any, list[Row[Any]]] = defaultdict(list)
    for row in demo["participant_user"]:
        teams[row.participant_id].append(row)
    for part in demo["participant"]:
        team = teams[part.id]
        assert sorted(row.position for row in team) == [0, 1]
        assert len({row.user_id for row in team}) == 2
        assert all(user_org[row.user_id] == part.organization_id for row in team)


async def test_referral_status_agrees_with_its_participants(demo: Rows) -> None:
    check_statuses(demo)


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


async def test_histories_are_what_the_mutations_write(demo: Rows) -> None:
    check_history(demo, minimum=5)


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


async def test_contacts_addresses_and_money_are_well_formed(demo: Rows) -> None:
    for profile in demo["customer_profile"]:
        assert COUNTRY.match(profile.country)
        assert profile.country in CURRENCY_OF
        assert EMAIL.match(profile.contact_email), profile.contact_email
        assert PHONE.match(profile.contact_phone_number), profile.contact_phone_number
        assert profile.contact_phone_number.startswith(CALLING_CODE[profile.country])
        assert all((profile.name, profile.address_line1, profile.city, profile.postal_code))
    assert any(row.address_line2 for row in demo["customer_profile"])
    assert any(row.address_line2 is None for row in demo["customer_profile"])
    names = " ".join(
        f"{row.contact_first_name} {row.contact_last_name} {row.name}"
        for row in demo["customer_profile"]
    )
    assert not names.isascii(), "no non-ASCII name to exercise case-insensitive search"
    for user in demo["app_user"]:
        assert EMAIL.match(user.email), user.email
    country_of = {row.referral_id: row.country for row in demo["customer_profile"]}
    for info in demo["additional_information"]:
        assert (info.deal_value is None) == (info.currency is None)
        if info.deal_value is not None:
            assert info.deal_value >= 0
            assert info.deal_value.as_tuple().exponent >= -2
            assert info.currency == CURRENCY_OF[country_of[info.referral_id]]
    assert any(row.deal_value is None for row in demo["additional_information"])
    assert any(row.deal_value is not None for row in demo["additional_information"])


async def test_timestamps_are_aware_and_not_in_the_future(demo: Rows) -> None:
    start = NOW - timedelta(days=600)
    checked = 0
    for table, columns in (
        ("referral", ("created_date", "updated_date")),
        ("participant", ("invited_date", "responded_date")),
        ("activity", ("occurred_date",)),
    ):
        for row in demo[table]:
            for column in columns:
                value = getattr(row, column)
                if value is not None:
                    assert value.tzinfo is not None
                    assert start <= value <= NOW, (table, column, value)
                    checked += 1
    assert checked > 600


async def test_demo_organizations_take_both_roles(demo: Rows) -> None:
    first, second = DEMO_ORGANIZATIONS[0], DEMO_ORGANIZATIONS[1]
    assert {row.id for row in demo["organization"]} == {org.id for org in DEMO_ORGANIZATIONS}
    users = {row.id: row for row in demo["app_user"]}
    for org in DEMO_ORGANIZATIONS:
        assert users[org.demo_user_id].organization_id == org.id
        assert users[org.demo_user_id].email == org.demo_user_email
    owners = [row.owner_organization_id for row in demo["referral"]]
    assert 12 <= owners.count(first.id) <= 30
    assert 12 <= owners.count(second.id) <= 30

    owner_of = {row.id: row.owner_organization_id for row in demo["referral"]}
    open_invitations = [
        row
        for row in demo["participant"]
        if owner_of[row.referral_id] == first.id
        and row.organization_id == second.id
        and row.status is ParticipantStatus.INVITED
        and row.expires_date > NOW
    ]
    assert open_invitations, "no referral of demo org 1 with demo org 2 still invited"


async def test_same_seed_gives_the_same_rows(tmp_path: Path) -> None:
    first = await load_and_read(tmp_path / "a.db")
    again = await load_and_read(tmp_path / "b.db")
    other = await load_and_read(tmp_path / "c.db", seed=8)
    for table in TABLES:
        assert [tuple(row) for row in first[table.name]] == [
            tuple(row) for row in again[table.name]
        ], table.name
    assert [tuple(row) for row in first["referral"]] != [tuple(row) for row in other["referral"]]


async def test_versions_count_changes_not_their_side_effects(demo: Rows) -> None:
    for ref in demo["referral"]:
        types = Counter(row.type for row in histories(demo)[ref.id])
        assert (
            ref.version == types.total() - types[A.INVITATION_MISSED] - types[A.INVITATION_EXPIRED]
        )


async def test_side_effects_share_the_instant_of_their_change(full: Rows) -> None:
    seen = set()
    for history in histories(full).values():
        changes = {row.occurred_date: row for row in history if row.type not in SIDE_EFFECTS}
        for row in history:
            if row.type in SIDE_EFFECTS:
                cause = changes[row.occurred_date]
                if cause.type is A.STATUS_CHANGED:
                    assert cause.to_status in rules.CLOSED
                else:
                    assert (cause.type, row.type) == (A.PARTICIPANT_INVITED, A.INVITATION_EXPIRED)
                seen.add((cause.type, row.type))
    assert seen == {
        (A.STATUS_CHANGED, A.INVITATION_MISSED),
        (A.STATUS_CHANGED, A.INVITATION_EXPIRED),
        (A.PARTICIPANT_INVITED, A.INVITATION_EXPIRED),
    }


async def test_invitations_past_their_window_stay_stored_as_invited(full: Rows) -> None:
    """Expiry is read by time: nothing records it until a close or a new invitation does."""
    ended = {row.subject_participant_id for row in full["activity"] if row.type in SIDE_EFFECTS}
    lapsed = 0
    for row in full["participant"]:
        if row.status in (P.EXPIRED, P.MISSED):
            assert row.id in ended
        if row.status is P.INVITED:
            assert row.id not in ended
            lapsed += row.expires_date <= NOW
    assert lapsed, "no stored INVITED past its window"


async def test_rejections_keep_the_invitation_note(full: Rows) -> None:
    """A rejection's reason is told in its activity; the invitation's note stays."""
    parts = {row.id: row for row in full["participant"]}
    invited_notes = {
        row.subject_participant_id: row.note
        for row in full["activity"]
        if row.type is A.PARTICIPANT_INVITED
    }
    rejections = [row for row in full["activity"] if row.type is A.INVITATION_REJECTED]
    assert any(row.note for row in rejections)
    assert any(row.note is None for row in rejections)
    for row in rejections:
        assert parts[row.subject_participant_id].note == invited_notes[row.subject_participant_id]


async def test_the_listed_order_is_the_order_of_recording(demo: Rows) -> None:
    """Activity ids are time-ordered, so (occurred_date, id) is the order of the writes."""
    recorded: dict[Any, list[Any]] = defaultdict(list)
    for row in demo["inserted"]:
        recorded[row.referral_id].append(row.id)
    for referral_id, history in histories(demo).items():
        assert history[0].type is A.CREATED
        assert [row.id for row in history] == recorded[referral_id]
        for row in history:
            assert row.id.version == 7
            milliseconds = (row.occurred_date - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
                milliseconds=1
            )
            assert row.id.int >> 80 == milliseconds


async def test_a_default_load_shows_every_status(full: Rows) -> None:
    assert {row.status for row in full["referral"]} == set(R)
    shown = set()
    for row in full["participant"]:
        if row.status is not P.INVITED:
            shown.add(row.status.value)
        else:
            shown.add("INVITED, open" if row.expires_date > NOW else "INVITED, past its window")
    assert shown == {
        "INVITED, open",
        "INVITED, past its window",
        "ACCEPTED",
        "REJECTED",
        "EXPIRED",
        "MISSED",
    }
    # Both ways to become ACTIVE, partners who invite others, and WON with and without reason.
    activations = {
        row.type
        for row in full["activity"]
        if (row.from_status, row.to_status) == (R.PENDING, R.ACTIVE)
    }
    assert activations == {A.STATUS_CHANGED, A.INVITATION_ACCEPTED}
    owners = {row.id for row in full["participant"] if row.invited_by_participant_id is None}
    assert any(
        row.invited_by_participant_id not in owners
        for row in full["participant"]
        if row.invited_by_participant_id is not None
    )
    won = [row.status_reason for row in full["referral"] if row.status is R.WON]
    assert None in won
    assert any(won)
    check_history(full, minimum=5)
    check_participants(full, count=3)
    check_statuses(full)


async def test_sizes_shape_the_data(tmp_path: Path) -> None:
    size = DemoSize(
        referrals=200,
        participants_per_referral=5,
        users_per_participant=3,
        activities_per_referral=9,
    )
    rows = await load_and_read(tmp_path / "sized.db", size=size)
    assert len(rows["referral"]) == 200
    assert len(rows["participant"]) >= 200 * 5  # more for organizations invited again
    assert len(rows["participant_user"]) == len(rows["participant"]) * 3
    check_participants(rows, count=5)
    check_statuses(rows)
    # Longer histories put many notes and edits between creation and closing.
    check_history(rows, minimum=9)


async def test_a_referral_of_the_owner_alone_still_follows_the_rules(tmp_path: Path) -> None:
    rows = await load_and_read(
        tmp_path / "alone.db", size=DemoSize(referrals=40, participants_per_referral=1)
    )
    assert {row.status for row in rows["referral"]} == set(R)  # ACTIVE by the owner's own hand
    check_participants(rows, count=1)
    check_history(rows, minimum=5)


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="participants_per_referral"):
        DemoSize(participants_per_referral=len(DEMO_ORGANIZATIONS) + 1)
    with pytest.raises(ValueError, match="users_per_participant"):
        DemoSize(users_per_participant=0)
    with pytest.raises(ValueError, match="activities_per_referral"):
        DemoSize(activities_per_referral=0)


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
