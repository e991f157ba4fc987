"""Loading the demo: its rows are complete, well formed, reproducible and sized as asked."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import DEMO_ORGANIZATIONS, DemoSize, has_data, load_demo
from db.models import ParticipantStatus
from db.tables import (
    app_user,
    organization,
)
from tests.db.demo.support import (
    CALLING_CODE,
    COUNTRY,
    CURRENCY_OF,
    EMAIL,
    NOW,
    PHONE,
    TABLES,
    A,
    P,
    R,
    Rows,
    check_history,
    check_participants,
    check_statuses,
    load_and_read,
)


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
