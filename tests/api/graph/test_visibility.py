"""Who sees what: foreign referrals do not exist, contact details only for ACCEPTED."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from api.graph.relay.ids import to_global_id
from db.models import ParticipantStatus
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Api

CONTACT = """query ($id: ID!) { referral(id: $id) { id participants { status }
  customerProfile { contact { firstName email phoneNumber } } } }"""


async def test_foreign_referral_answers_as_not_found_everywhere(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        stranger = await make_actor(conn, "Stranger")
        await make_referral(conn, owner, created=START - timedelta(days=1))
        await make_referral(conn, stranger, created=START - timedelta(days=1), name="theirs")
    owned = """{ referrals(first: 10) { totalCount nodes { id participants { id users { id } }
        customerProfile { id } activities { nodes { id } } } } }"""
    mine = (await api.query(owned, actor=owner))["referrals"]["nodes"][0]
    foreign_ids = [
        mine["id"],
        mine["customerProfile"]["id"],
        mine["participants"][0]["id"],
        mine["participants"][0]["users"][0]["id"],
        mine["activities"]["nodes"][0]["id"],
    ]
    nonexistent = to_global_id("Referral", uuid.uuid4())

    listing = (await api.query(owned, actor=stranger))["referrals"]
    assert listing["totalCount"] == 1
    assert [n["id"] for n in listing["nodes"]] != [mine["id"]]
    lookup = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert (await api.query(lookup, {"ids": [*foreign_ids, nonexistent]}, actor=stranger)) == {
        "nodes": [None] * 6
    }
    for global_id in foreign_ids:
        single = await api.query(
            "query ($id: ID!) { node(id: $id) { id } }", {"id": global_id}, actor=stranger
        )
        assert single == {"node": None}
    for referral_id in (mine["id"], nonexistent):
        assert await api.query(CONTACT, {"id": referral_id}, actor=stranger) == {"referral": None}


@pytest.mark.parametrize(
    ("status", "sees_contact"),
    [
        (ParticipantStatus.ACCEPTED, True),
        (ParticipantStatus.INVITED, False),
        (ParticipantStatus.REJECTED, False),
        (ParticipantStatus.EXPIRED, False),
        (ParticipantStatus.MISSED, False),
    ],
)
async def test_contact_details_only_for_accepted_participants(
    api: Api, status: ParticipantStatus, sees_contact: bool
) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        rows = await make_referral(conn, owner, created=START - timedelta(days=2))
        await make_participant(
            conn,
            rows.id,
            partner,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(days=1),
            status=status,
        )
    referral_id = to_global_id("Referral", rows.id)

    seen = (await api.query(CONTACT, {"id": referral_id}, actor=partner))["referral"]
    listed = (
        await api.query(
            "{ referrals { nodes { customerProfile { contact { email phoneNumber } } } } }",
            actor=partner,
        )
    )["referrals"]["nodes"]

    contact = seen["customerProfile"]["contact"]
    assert contact["firstName"] == "Ana"  # the lead itself is visible to every participant
    assert (contact["email"] is not None) is sees_contact
    assert (contact["phoneNumber"] is not None) is sees_contact
    assert listed == [
        {
            "customerProfile": {
                "contact": {"email": contact["email"], "phoneNumber": contact["phoneNumber"]}
            }
        }
    ]
    profile_id = (
        await api.query(
            "query ($id: ID!) { referral(id: $id) { customerProfile { id } } }",
            {"id": referral_id},
            actor=partner,
        )
    )["referral"]["customerProfile"]["id"]
    by_node = await api.query(
        "query ($id: ID!) { node(id: $id) { ... on CustomerProfile { contact { email } } } }",
        {"id": profile_id},
        actor=partner,
    )
    assert (by_node["node"]["contact"]["email"] is not None) is sees_contact


async def test_invitation_reads_expired_once_its_window_passes(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        rows = await make_referral(conn, owner, created=START - timedelta(days=2))
        await make_participant(
            conn,
            rows.id,
            partner,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(days=1),
        )
    referral_id = to_global_id("Referral", rows.id)
    statuses = "query ($id: ID!) { referral(id: $id) { participants { status expiresDate } } }"

    before = (await api.query(statuses, {"id": referral_id}, actor=partner))["referral"]
    api.clock.advance(timedelta(days=12, hours=23))
    still = (await api.query(statuses, {"id": referral_id}, actor=owner))["referral"]
    api.clock.advance(timedelta(hours=1))  # now exactly at expiresDate: the window is over
    after = (await api.query(statuses, {"id": referral_id}, actor=owner))["referral"]

    assert [p["status"] for p in before["participants"]] == ["ACCEPTED", "INVITED"]
    assert [p["status"] for p in still["participants"]] == ["ACCEPTED", "INVITED"]
    assert [p["status"] for p in after["participants"]] == ["ACCEPTED", "EXPIRED"]
    # The expired organization keeps the referral in its list, still without contact details.
    kept = (await api.query(CONTACT, {"id": referral_id}, actor=partner))["referral"]
    assert kept["customerProfile"]["contact"]["email"] is None
