"""db.reads: one statement per call whatever the keys, rows in key order, visibility and
masking applied at the data layer whatever keys a caller passes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from db import reads
from db.access import Viewer
from db.engine import Database
from db.models import ParticipantStatus
from db.paging import PageRequest
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor
from tests.statements import statements


def _viewer(actor: Actor) -> Viewer:
    return Viewer(actor.organization_id, actor.user_id, START)


async def test_reads_are_one_statement_in_key_order_with_none_for_the_missing(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        rows = [
            await make_referral(conn, owner, created=START - timedelta(minutes=i)) for i in range(3)
        ]
    ids = [rows[2].id, uuid.uuid4(), rows[0].id]
    async with database.engine.connect() as conn:
        with statements(database) as seen:
            found = await reads.referrals_by_id(conn, _viewer(owner), ids)
            groups = await reads.participants_by_referral(conn, _viewer(owner), ids)
            pages = await reads.activity_pages_by_referral(
                conn, _viewer(owner), [(pk, PageRequest(limit=5)) for pk in ids]
            )
    assert len(seen) == 3
    assert [row.id if row else None for row in found] == [rows[2].id, None, rows[0].id]
    assert [len(group) for group in groups] == [1, 0, 1]  # the owner, nothing, the owner
    assert len(pages) == 3


async def test_foreign_keys_read_as_nothing_and_contacts_need_acceptance(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited = await make_actor(conn, "Invited")
        stranger = await make_actor(conn, "Stranger")
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
        await make_participant(
            conn,
            rows.id,
            invited,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(hours=1),
            status=ParticipantStatus.INVITED,
        )
    async with database.engine.connect() as conn:
        assert await reads.referrals_by_id(conn, _viewer(stranger), [rows.id]) == [None]
        assert await reads.customer_profiles_by_id(
            conn, _viewer(stranger), [rows.customer_profile_id]
        ) == [None]
        (mine,) = await reads.customer_profiles_by_referral(conn, _viewer(owner), [rows.id])
        (theirs,) = await reads.customer_profiles_by_referral(conn, _viewer(invited), [rows.id])
    assert mine is not None
    assert mine.contact_email is not None
    assert theirs is not None
    assert (theirs.contact_email, theirs.contact_phone_number) == (None, None)


async def test_an_unanswered_invitation_reads_expired_after_its_window(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited = await make_actor(conn, "Invited")
        rows = await make_referral(conn, owner, created=START - timedelta(days=30))
        await make_participant(
            conn,
            rows.id,
            invited,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(days=15),
        )
    async with database.engine.connect() as conn:
        (group,) = await reads.participants_by_referral(conn, _viewer(owner), [rows.id])
    assert [row.status for row in group] == [ParticipantStatus.ACCEPTED, ParticipantStatus.EXPIRED]
