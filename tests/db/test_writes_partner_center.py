"""Writes of Partner Center's fields: a CRM key names one referral of its owner (also when
writers race), only the owner sets it, a state where the stored country needs one, and the
customer's consent deciding who reads the contact."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import db.writes.referrals as referral_writes
from db import reads
from db.access import Viewer
from db.engine import Database
from db.models import ParticipantStatus
from db.refusals import InvalidInput, RefusalCode, Refused
from db.tables import referral
from db.values import AddressValue, ConsentValue, CustomerProfileValue, ReferralPatch
from db.writes import create_referral, update_referral
from tests.conftest import START
from tests.db.drafts import full_draft
from tests.factories import make_actor, make_participant
from tests.helpers import Actor

KEY = "crm-0042"


def _viewer(actor: Actor) -> Viewer:
    return Viewer(actor.organization_id, actor.user_id, START)


def _draft(**changes: Any) -> Any:
    return dataclasses.replace(full_draft(), **changes)


async def _actors(database: Database, *names: str) -> list[Actor]:
    async with database.engine.begin() as conn:
        return [await make_actor(conn, name) for name in names]


async def _keyed(database: Database, actor: Actor, key: str) -> int:
    async with database.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(
                referral.c.owner_organization_id == actor.organization_id,
                referral.c.external_reference_id == key,
            )
        )
    return int(count or 0)


async def test_a_taken_key_is_refused_and_changes_nothing(database: Database) -> None:
    (owner,) = await _actors(database, "Owner")
    await create_referral(database, _viewer(owner), _draft(external_reference_id=KEY))

    with pytest.raises(Refused) as refused:
        await create_referral(database, _viewer(owner), _draft(external_reference_id=f" {KEY} "))

    assert refused.value.code is RefusalCode.DUPLICATE_EXTERNAL_REFERENCE_ID
    assert refused.value.field == ("external_reference_id",)
    assert KEY in refused.value.message
    assert await _keyed(database, owner, KEY) == 1


async def test_keys_are_per_organization_and_free_once_cleared(database: Database) -> None:
    owner, other = await _actors(database, "Owner", "Other")
    first = await create_referral(database, _viewer(owner), _draft(external_reference_id=KEY))
    await create_referral(database, _viewer(other), _draft(external_reference_id=KEY))
    # Many referrals without a key are fine: the index covers given keys only.
    await create_referral(database, _viewer(owner), _draft())
    await create_referral(database, _viewer(owner), _draft())

    second = await create_referral(database, _viewer(owner), _draft())
    with pytest.raises(Refused) as refused:
        await update_referral(
            database, _viewer(owner), second, ReferralPatch(external_reference_id=KEY)
        )
    assert refused.value.code is RefusalCode.DUPLICATE_EXTERNAL_REFERENCE_ID

    # Giving a referral the key it already has is no conflict with itself.
    await update_referral(database, _viewer(owner), first, ReferralPatch(external_reference_id=KEY))
    await update_referral(
        database, _viewer(owner), first, ReferralPatch(external_reference_id=None)
    )
    await update_referral(
        database, _viewer(owner), second, ReferralPatch(external_reference_id=KEY)
    )
    assert await _keyed(database, owner, KEY) == 1


async def test_racing_creates_with_one_key_make_one_referral(database: Database) -> None:
    (owner,) = await _actors(database, "Owner")
    attempts = await asyncio.gather(
        *(
            create_referral(database, _viewer(owner), _draft(external_reference_id=KEY))
            for _ in range(5)
        ),
        return_exceptions=True,
    )

    created = [result for result in attempts if isinstance(result, uuid.UUID)]
    refused = [result for result in attempts if isinstance(result, Refused)]
    assert len(created) == 1
    assert len(refused) == 4
    assert {error.code for error in refused} == {RefusalCode.DUPLICATE_EXTERNAL_REFERENCE_ID}
    assert await _keyed(database, owner, KEY) == 1


async def test_the_unique_index_catches_a_writer_that_checked_too_early(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer whose check ran before a racing writer committed the same key: the index
    refuses its row, the write retries, and the check then refuses it properly."""
    (owner,) = await _actors(database, "Owner")
    await create_referral(database, _viewer(owner), _draft(external_reference_id=KEY))
    check = referral_writes._require_free_reference
    calls: list[int] = []

    async def too_early(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            await check(*args, **kwargs)

    monkeypatch.setattr(referral_writes, "_require_free_reference", too_early)
    with pytest.raises(Refused) as refused:
        await create_referral(database, _viewer(owner), _draft(external_reference_id=KEY))

    assert refused.value.code is RefusalCode.DUPLICATE_EXTERNAL_REFERENCE_ID
    assert len(calls) == 2  # the index refused the first attempt; the retry was refused
    assert await _keyed(database, owner, KEY) == 1


async def test_only_the_owner_sets_the_key(database: Database) -> None:
    owner, partner = await _actors(database, "Owner", "Partner")
    referral_id = await create_referral(database, _viewer(owner), _draft())
    async with database.engine.begin() as conn:
        owner_participant = (
            await reads.participants_by_referral(conn, _viewer(owner), [referral_id])
        )[0][0].id
        await make_participant(
            conn,
            referral_id,
            partner,
            invited_by=owner_participant,
            invited=START - timedelta(hours=2),
            status=ParticipantStatus.ACCEPTED,
        )

    with pytest.raises(Refused) as refused:
        await update_referral(
            database, _viewer(partner), referral_id, ReferralPatch(external_reference_id=KEY)
        )

    assert refused.value.code is RefusalCode.NOT_AUTHORIZED
    assert refused.value.field == ("external_reference_id",)
    assert await _keyed(database, owner, KEY) == 0


async def test_the_state_is_checked_against_the_stored_country(database: Database) -> None:
    (owner,) = await _actors(database, "Owner")
    referral_id = await create_referral(database, _viewer(owner), _draft())  # in the US
    no_state = ReferralPatch(
        customer_profile=CustomerProfileValue(address=AddressValue(state=None))
    )

    with pytest.raises(InvalidInput) as refused:
        await update_referral(database, _viewer(owner), referral_id, no_state)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        (("customer_profile", "address", "state"), "is required for addresses in US")
    ]

    to_britain = ReferralPatch(
        customer_profile=CustomerProfileValue(
            address=AddressValue(country="GB", state=None, postal_code="SW1A 1AA")
        )
    )
    await update_referral(database, _viewer(owner), referral_id, to_britain)
    back_without_state = ReferralPatch(
        customer_profile=CustomerProfileValue(address=AddressValue(country="CA"))
    )
    with pytest.raises(InvalidInput):
        await update_referral(database, _viewer(owner), referral_id, back_without_state)

    async with database.engine.connect() as conn:
        (profile,) = await reads.customer_profiles_by_referral(conn, _viewer(owner), [referral_id])
    assert profile is not None
    assert (profile.country, profile.state) == ("GB", None)


@pytest.mark.parametrize("shared", [True, False])
async def test_consent_decides_whether_other_participants_read_the_contact(
    database: Database, shared: bool
) -> None:
    owner, partner, invited = await _actors(database, "Owner", "Partner", "Invited")
    consent = ConsentValue(share_info_with_others=shared)
    referral_id = await create_referral(database, _viewer(owner), _draft(consent=consent))
    async with database.engine.begin() as conn:
        owner_participant = (
            await reads.participants_by_referral(conn, _viewer(owner), [referral_id])
        )[0][0].id
        for member, status in (
            (partner, ParticipantStatus.ACCEPTED),
            (invited, ParticipantStatus.INVITED),
        ):
            await make_participant(
                conn,
                referral_id,
                member,
                invited_by=owner_participant,
                invited=START - timedelta(hours=2),
                status=status,
            )

    async def email_seen_by(actor: Actor) -> str | None:
        async with database.engine.connect() as conn:
            (profile,) = await reads.customer_profiles_by_referral(
                conn, _viewer(actor), [referral_id]
            )
        assert profile is not None
        assert (profile.contact_email is None) is (profile.contact_phone_number is None)
        email: str | None = profile.contact_email
        return email

    assert await email_seen_by(owner) == "Ann.Lee@contoso.com"  # the owner always
    assert (await email_seen_by(partner) is not None) is shared
    assert await email_seen_by(invited) is None  # consent or not: not ACCEPTED
