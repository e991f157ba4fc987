"""The nested referral graph: every level resolves, with the right rows, for the viewer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api.ids import to_global_id
from db.models import ActivityType, ReferralStatus
from tests.conftest import START
from tests.factories import make_activity, make_actor, make_participant, make_referral
from tests.helpers import Api

DETAIL = """
query ($id: ID!) {
  referral(id: $id) {
    id name status referralSource version createdDate
    customerProfile {
      id name
      address { addressLine1 addressLine2 city state postalCode country }
      contact { firstName lastName email phoneNumber }
    }
    customerRequirements { industries products services solutions customerNeed }
    additionalInformation { notes dealValue currency closingDate }
    owner { id organizationId status }
    participants {
      id organizationId status invitedDate expiresDate invitedByParticipantId
      invitedBy { id organizationId }
      users { id displayName email organizationId }
      referralActivities(first: 5) { totalCount nodes { type } }
      referralView { id customerProfile { contact { email } } }
    }
    activities(first: 10) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage }
      nodes { id type occurredDate fromStatus toStatus note actor { id } subject { id } }
    }
  }
}
"""


async def test_referral_resolves_every_level(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Contoso Partners")
        partner = await make_actor(conn, "Fabrikam")
        rows = await make_referral(conn, owner, created=START - timedelta(days=3))
        invited = await make_participant(
            conn,
            rows.id,
            partner,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(days=2),
        )
        await make_activity(
            conn,
            rows.id,
            ActivityType.NOTE_ADDED,
            START - timedelta(days=1),
            actor=rows.owner_participant_id,
            note="Called the customer",
        )
    referral_id = _global_id("Referral", rows.id.hex)

    data = await api.query(DETAIL, {"id": referral_id}, actor=owner)

    referral = data["referral"]
    assert referral["id"] == referral_id
    assert referral["status"] == "PENDING"
    assert referral["customerProfile"]["address"]["country"] == "US"
    assert referral["customerProfile"]["contact"] == {
        "firstName": "Ana",
        "lastName": "Ruiz",
        "email": "contact@customer.example",
        "phoneNumber": "+14255550100",
    }
    assert referral["customerRequirements"]["products"] == ["Microsoft Teams"]
    assert referral["additionalInformation"]["dealValue"] == "125000.50"
    assert referral["owner"]["organizationId"] == str(owner.organization_id)
    owner_p, partner_p = referral["participants"]
    assert owner_p["id"] == referral["owner"]["id"]
    assert owner_p["invitedBy"] is None
    assert partner_p["status"] == "INVITED"
    assert partner_p["invitedBy"]["id"] == owner_p["id"]
    assert partner_p["invitedByParticipantId"] == owner_p["id"]
    assert partner_p["id"] == _global_id("Participant", invited.hex)
    assert [u["organizationId"] for u in partner_p["users"]] == [str(partner.organization_id)]
    # The owner created, invited and noted; the partner only underwent its invitation.
    assert owner_p["referralActivities"]["totalCount"] == 3
    assert [n["type"] for n in partner_p["referralActivities"]["nodes"]] == ["PARTICIPANT_INVITED"]
    # referralView narrows to what that participant may see: an INVITED one sees no contact.
    assert owner_p["referralView"]["customerProfile"]["contact"]["email"] is not None
    assert partner_p["referralView"]["customerProfile"]["contact"]["email"] is None
    activities = referral["activities"]
    assert activities["totalCount"] == 3
    assert [n["type"] for n in activities["nodes"]] == [
        "CREATED",
        "PARTICIPANT_INVITED",
        "NOTE_ADDED",
    ]
    assert activities["nodes"][0]["toStatus"] == "PENDING"
    assert activities["nodes"][1]["subject"]["id"] == partner_p["id"]
    assert activities["nodes"][2]["note"] == "Called the customer"
    assert activities["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}


async def test_nested_activity_pages_are_per_referral(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        for index in range(3):
            rows = await make_referral(conn, owner, created=START - timedelta(days=10 - index))
            for note in range(4):
                await make_activity(
                    conn,
                    rows.id,
                    ActivityType.NOTE_ADDED,
                    START - timedelta(days=5, minutes=-note),
                    actor=rows.owner_participant_id,
                )
    query = """{ referrals(first: 10) { nodes {
        activities(first: 2) { totalCount pageInfo { hasNextPage } nodes { type } } } } }"""

    data = await api.query(query, actor=owner)

    pages = [node["activities"] for node in data["referrals"]["nodes"]]
    assert len(pages) == 3
    for page in pages:
        assert page["totalCount"] == 5
        assert page["pageInfo"]["hasNextPage"] is True
        assert [n["type"] for n in page["nodes"]] == ["CREATED", "NOTE_ADDED"]


async def test_activities_page_forward_and_backward(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        rows = await make_referral(conn, owner, created=START - timedelta(days=30))
        for day in range(6):
            await make_activity(
                conn,
                rows.id,
                ActivityType.NOTE_ADDED,
                START - timedelta(days=20 - day),
                actor=rows.owner_participant_id,
                note=f"n{day}",
            )
    query = """query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      referral(id: $id) { activities(first: $first, after: $after, last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { note } } } }"""
    variables = {"id": _global_id("Referral", rows.id.hex)}

    notes: list[str | None] = []
    after = None
    while True:
        page = (await api.query(query, {**variables, "first": 3, "after": after}, actor=owner))[
            "referral"
        ]["activities"]
        notes += [n["note"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert notes == [None, "n0", "n1", "n2", "n3", "n4", "n5"]

    last = (await api.query(query, {**variables, "last": 2}, actor=owner))["referral"]["activities"]
    assert [n["note"] for n in last["nodes"]] == ["n4", "n5"]
    assert last["pageInfo"]["hasPreviousPage"] is True
    earlier = (
        await api.query(
            query, {**variables, "last": 2, "before": last["pageInfo"]["startCursor"]}, actor=owner
        )
    )["referral"]["activities"]
    assert [n["note"] for n in earlier["nodes"]] == ["n2", "n3"]
    assert earlier["pageInfo"]["hasNextPage"] is True


async def test_node_and_nodes_resolve_every_node_type(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
    query = """{ referrals(first: 1) { nodes { id customerProfile { id }
        participants { id users { id } } activities(first: 1) { nodes { id } } } } }"""
    node = (await api.query(query, actor=owner))["referrals"]["nodes"][0]
    ids = {
        "Referral": node["id"],
        "CustomerProfile": node["customerProfile"]["id"],
        "Participant": node["participants"][0]["id"],
        "User": node["participants"][0]["users"][0]["id"],
        "Activity": node["activities"]["nodes"][0]["id"],
    }
    assert ids["Referral"] == _global_id("Referral", rows.id.hex)

    lookup = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    found = (await api.query(lookup, {"ids": list(ids.values())}, actor=owner))["nodes"]

    assert [(n["__typename"], n["id"]) for n in found] == list(ids.items())
    for type_name, global_id in ids.items():
        single = await api.query(
            "query ($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id}, actor=owner
        )
        assert single["node"] == {"__typename": type_name, "id": global_id}


async def test_closed_referral_reads_its_terminal_status(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        rows = await make_referral(
            conn, owner, created=START - timedelta(days=1), status=ReferralStatus.LOST
        )
    data = await api.query(
        "query ($id: ID!) { referral(id: $id) { status statusReason } }",
        {"id": _global_id("Referral", rows.id.hex)},
        actor=owner,
    )
    assert data["referral"] == {"status": "LOST", "statusReason": "Customer chose another vendor"}


def _global_id(type_name: str, hex_id: str) -> str:
    return to_global_id(type_name, uuid.UUID(hex=hex_id))
