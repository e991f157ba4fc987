"""0008 adds Partner Center's shape to a populated database: existing referrals read as they
behaved before (INDEPENDENT, NONE, shared with participants, no target), the CRM key index
holds on both engines, and a downgrade keeps every row."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from db import migrate
from db.engine import create_engine
from db.models import ReferralQualification, ReferralType
from db.tables import customer_profile, referral
from tests.conftest import START
from tests.factories import make_actor, make_referral

BEFORE = "0007"


async def test_existing_referrals_read_as_before_and_survive_a_round_trip(
    database_url: str,
) -> None:
    await asyncio.to_thread(migrate.downgrade, database_url, BEFORE)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            old = await make_referral(conn, owner, created=START, name="From before")

        await asyncio.to_thread(migrate.upgrade, database_url, "head")

        async with engine.begin() as conn:
            row = (await conn.execute(sa.select(referral))).one()
            assert (row.type, row.qualification) == (
                ReferralType.INDEPENDENT,
                ReferralQualification.NONE,
            )
            assert row.external_reference_id is None
            assert row.target == []
            assert (
                row.consent_share_info_with_others,
                row.consent_contact_customer,
                row.consent_share_with_microsoft_sellers,
            ) == (True, True, False)
            profile = (await conn.execute(sa.select(customer_profile))).one()
            assert (profile.state, profile.region, profile.size) == ("WA", None, None)
            # A customer without a state, and a CRM key, as the new schema allows.
            new = await make_referral(conn, owner, created=START + timedelta(hours=1))
            await conn.execute(
                sa.update(customer_profile)
                .where(customer_profile.c.referral_id == new.id)
                .values(country="GB", state=None)
            )
            await conn.execute(
                sa.update(referral)
                .where(referral.c.id == new.id)
                .values(external_reference_id="crm-1")
            )

        await asyncio.to_thread(migrate.downgrade, database_url, BEFORE)

        async with engine.connect() as conn:
            columns = (customer_profile.c.referral_id, customer_profile.c.state)
            rows = (await conn.execute(sa.select(*columns))).all()
        # The state left out reads as empty text, as the NOT NULL column of 0007 needs.
        assert {row.referral_id: row.state for row in rows} == {old.id: "WA", new.id: ""}
    finally:
        await engine.dispose()
        await asyncio.to_thread(migrate.upgrade, database_url, "head")


async def test_a_crm_key_names_one_referral_of_its_owner_in_the_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            other = await make_actor(conn, "Other")
            keyed = [await make_referral(conn, owner, created=START) for _ in range(3)]
            theirs = await make_referral(conn, other, created=START)
            for rows, key in ((keyed[0], "crm-1"), (theirs, "crm-1")):
                await conn.execute(
                    sa.update(referral)
                    .where(referral.c.id == rows.id)
                    .values(external_reference_id=key)
                )
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    sa.update(referral)
                    .where(referral.c.id == keyed[1].id)
                    .values(external_reference_id="crm-1")
                )
    finally:
        await engine.dispose()
