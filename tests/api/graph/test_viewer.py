"""The `viewer` root field and `Referral.viewerParticipant`, beyond the lifecycle table."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api.graph.relay.ids import to_global_id
from db.models import ParticipantStatus
from tests.api.graph.mutation_documents import actors, create
from tests.conftest import START
from tests.factories import make_participant, make_referral
from tests.helpers import Actor, Api

VIEWER = "{ viewer { organization { id name } user { id displayName email } } }"
CAN = "viewerCan { update changeStatus invite acceptInvitation rejectInvitation addNote }"


async def test_viewer_is_the_tokens_organization_and_user(api: Api) -> None:
    (me,) = await actors(api, 1)
    data = await api.query(VIEWER, actor=me)
    assert data["viewer"] == {
        "organization": {"id": to_global_id("Organization", me.organization_id), "name": "Org 0"},
        "user": {
            "id": to_global_id("User", me.user_id),
            "displayName": "Org 0 User",
            "email": "user@org-0.example",
        },
    }


async def test_an_unregistered_viewer_reads_null(api: Api) -> None:
    stranger = Actor(uuid.uuid4(), uuid.uuid4())
    data = await api.query(VIEWER, actor=stranger)
    assert data["viewer"] == {"organization": None, "user": None}


async def test_viewer_participant_prefers_the_open_participation(api: Api) -> None:
    owner, partner = await actors(api)
    async with api.database.engine.begin() as conn:
        rows = await make_referral(conn, owner, created=START - timedelta(days=30))
        for status, ago in ((ParticipantStatus.REJECTED, 20), (ParticipantStatus.INVITED, 2)):
            last = await make_participant(
                conn,
                rows.id,
                partner,
                invited_by=rows.owner_participant_id,
                invited=START - timedelta(days=ago),
                status=status,
            )
    query = f"""query ($id: ID!) {{ referral(id: $id) {{
      viewerParticipant {{ id status }} {CAN} }} }}"""
    data = await api.query(query, {"id": to_global_id("Referral", rows.id)}, actor=partner)
    assert data["referral"]["viewerParticipant"] == {
        "id": to_global_id("Participant", last),
        "status": "INVITED",
    }
    assert data["referral"]["viewerCan"] == {
        "update": False,
        "changeStatus": False,
        "invite": False,
        "acceptInvitation": True,
        "rejectInvitation": True,
        "addNote": False,
    }


async def test_a_participants_view_offers_no_mutation(api: Api) -> None:
    owner, partner = await actors(api)
    referral_id = (await create(api, owner))["id"]
    invite = {"referralId": referral_id, "organizationId": str(partner.organization_id)}
    document = """mutation ($input: InviteParticipantInput!) {
      inviteParticipant(input: $input) { userErrors { code } } }"""
    await api.query(document, {"input": invite}, actor=owner)
    query = f"""query ($id: ID!) {{ referral(id: $id) {{ {CAN}
      participants {{ status referralView {{ viewerParticipant {{ status }} {CAN} }} }} }} }}"""
    referral = (await api.query(query, {"id": referral_id}, actor=owner))["referral"]
    # The owner of a PENDING referral may do all but answer (it has no invitation).
    can = referral["viewerCan"]
    assert [name for name, allowed in can.items() if allowed] == [
        "update",
        "changeStatus",
        "invite",
        "addNote",
    ]
    invited = next(p for p in referral["participants"] if p["status"] == "INVITED")
    assert invited["referralView"]["viewerParticipant"] == {"status": "ACCEPTED"}
    assert not any(invited["referralView"]["viewerCan"].values())
