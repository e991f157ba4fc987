"""Demo data: valid by the domain's rules, and the same rows for the same seed."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, Select, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from db.demo import DEMO_ORGANIZATIONS, DemoSize, has_data, load_demo
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

Rows = dict[str, list[Row[Any]]]


async def new_engine(path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    return engine


async def load_and_read(path: Path, *, seed: int = 7, size: DemoSize = SIZE) -> Rows:
    """Load demo data into a new database at `path`; every table's rows, in key order."""
    engine = await new_engine(path)
    try:
        async with engine.begin() as conn:
            assert await load_demo(conn, now=NOW, size=size, seed=seed) == size.referrals
        async with engine.connect() as conn:
            return {table.name: list(await conn.execute(_in_key_order(table))) for table in TABLES}
    finally:
        await engine.dispose()


def _in_key_order(table: Table) -> Select[Any]:
    return select(table).order_by(*table.primary_key.columns)


def by_referral(rows: list[Row[Any]]) -> dict[Any, list[Row[Any]]]:
    grouped: dict[Any, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.referral_id].append(row)
    return grouped


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await new_engine(tmp_path / "demo.db")
    yield engine
    await engine.dispose()


@pytest.fixture
async def demo(tmp_path: Path) -> Rows:
    return await load_and_read(tmp_path / "demo.db")


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


def check_participants(demo: Rows, *, count: int) -> None:
    participants = by_referral(demo["participant"])
    for ref in demo["referral"]:
        rows = participants[ref.id]
        assert len(rows) == count
        owners = [row for row in rows if row.invited_by_participant_id is None]
        assert len(owners) == 1
        owner = owners[0]
        assert owner.status is ParticipantStatus.ACCEPTED
        assert owner.organization_id == ref.owner_organization_id
        assert owner.invited_date == owner.responded_date == ref.created_date
        assert owner.expires_date is None
        assert len({row.organization_id for row in rows}) == count, "an organization twice"
        for row in rows:
            if row is owner:
                continue
            assert row.invited_by_participant_id == owner.id
            assert row.invited_date > ref.created_date
            assert row.expires_date == row.invited_date + WINDOW
            answered = row.status in (ParticipantStatus.ACCEPTED, ParticipantStatus.REJECTED)
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


def check_statuses(demo: Rows) -> None:
    participants = by_referral(demo["participant"])
    seen = set()
    for ref in demo["referral"]:
        seen.add(ref.status)
        invited = [row for row in participants[ref.id] if row.invited_by_participant_id]
        statuses = [row.status for row in invited]
        accepted = statuses.count(ParticipantStatus.ACCEPTED)
        if ref.status is ReferralStatus.PENDING:
            assert accepted == 0
        if ref.status is ReferralStatus.ACTIVE:
            assert accepted >= 1
        if ref.status in (ReferralStatus.WON, ReferralStatus.LOST):
            assert ParticipantStatus.INVITED not in statuses, "open invitations become MISSED"
        if ref.status is ReferralStatus.LOST:
            assert ref.status_reason
        else:
            assert ref.status_reason is None
        for row in invited:
            if row.status in (ParticipantStatus.EXPIRED, ParticipantStatus.MISSED):
                assert row.responded_date is None
            if row.status is ParticipantStatus.EXPIRED:
                assert row.expires_date <= NOW
            if row.status is ParticipantStatus.MISSED:
                assert ref.status in (ReferralStatus.WON, ReferralStatus.LOST)
    assert seen == set(ReferralStatus)


async def test_history_is_complete_and_matches_the_referral(demo: Rows) -> None:
    check_history(demo, minimum=5)


def check_history(demo: Rows, *, minimum: int) -> None:
    activities = by_referral(demo["activity"])
    participants = by_referral(demo["participant"])
    for ref in demo["referral"]:
        history = sorted(activities[ref.id], key=lambda row: row.occurred_date)
        parts = {row.id: row for row in participants[ref.id]}
        owner = next(row for row in parts.values() if row.invited_by_participant_id is None)
        assert ref.version == len(history) >= minimum
        first = history[0]
        assert first.type is ActivityType.CREATED
        assert first.actor_participant_id == owner.id
        assert first.to_status is ReferralStatus.PENDING
        assert [row.type for row in history].count(ActivityType.CREATED) == 1
        times = [row.occurred_date for row in history]
        assert all(a < b for a, b in pairwise(times)), "not increasing"
        assert ref.created_date == times[0] <= ref.updated_date == times[-1] <= NOW

        status = ReferralStatus.PENDING
        accepted = {owner.id}
        for row in history:
            if row.actor_participant_id is not None:
                assert row.actor_participant_id in parts
            if row.subject_participant_id is not None:
                assert row.subject_participant_id in parts
            if row.type is ActivityType.PARTICIPANT_INVITED:
                assert row.actor_participant_id == owner.id
                subject = parts[row.subject_participant_id]
                assert subject.invited_date == row.occurred_date
            elif row.type in (ActivityType.INVITATION_ACCEPTED, ActivityType.INVITATION_REJECTED):
                assert row.actor_participant_id == row.subject_participant_id
                assert parts[row.subject_participant_id].responded_date == row.occurred_date
                if row.type is ActivityType.INVITATION_ACCEPTED:
                    accepted.add(row.subject_participant_id)
                    if status is ReferralStatus.PENDING:
                        assert (row.from_status, row.to_status) == (
                            ReferralStatus.PENDING,
                            ReferralStatus.ACTIVE,
                        )
                        status = ReferralStatus.ACTIVE
                    else:
                        assert row.from_status is None
                        assert row.to_status is None
            elif row.type in (ActivityType.INVITATION_MISSED, ActivityType.INVITATION_EXPIRED):
                assert row.actor_participant_id is None
                assert row.subject_participant_id is not None
            elif row.type is not ActivityType.CREATED:
                # Status changes, notes and edits: only by an accepted participant, while open.
                assert row.actor_participant_id in accepted, row.type
                assert status in (ReferralStatus.PENDING, ReferralStatus.ACTIVE)
                if row.type is ActivityType.STATUS_CHANGED:
                    assert row.from_status is status
                    status = row.to_status
        assert status is ref.status

        final = {row.id: row.status for row in parts.values()}
        for row in history:
            if row.type is ActivityType.INVITATION_MISSED:
                assert final[row.subject_participant_id] is ParticipantStatus.MISSED
            if row.type is ActivityType.INVITATION_EXPIRED:
                assert final[row.subject_participant_id] is ParticipantStatus.EXPIRED
                assert parts[row.subject_participant_id].expires_date == row.occurred_date


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


async def test_sizes_shape_the_data(tmp_path: Path) -> None:
    size = DemoSize(
        referrals=200,
        participants_per_referral=5,
        users_per_participant=3,
        activities_per_referral=9,
    )
    rows = await load_and_read(tmp_path / "sized.db", size=size)
    assert len(rows["referral"]) == 200
    assert len(rows["participant_user"]) == 200 * 5 * 3
    check_participants(rows, count=5)
    check_statuses(rows)
    # Longer histories put many notes and edits between creation and closing.
    check_history(rows, minimum=9)


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="participants_per_referral"):
        DemoSize(participants_per_referral=len(DEMO_ORGANIZATIONS) + 1)
    with pytest.raises(ValueError, match="users_per_participant"):
        DemoSize(users_per_participant=0)
