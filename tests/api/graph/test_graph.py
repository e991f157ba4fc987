"""The nested referral graph: every level resolves, with the right rows, for the viewer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api.graph.relay.ids import to_global_id
from db.models import ActivityType, ParticipantStatus, ReferralStatus
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


# --- participants' views: IDs a normalized cache can trust ---------------------------------

VIEWS = """
fragment Profile on CustomerProfile { __typename id name contact { email phoneNumber } }
query ($id: ID!) {
  referral(id: $id) {
    __typename id version customerProfile { ...Profile }
    participants {
      __typename id status
      referralView { __typename id version customerProfile { ...Profile } }
    }
  }
}
"""


def _normalized_cache(data: object) -> dict[tuple[str, str], dict[str, object]]:
    """What Apollo's InMemoryCache or Relay's store keeps: objects merged by (__typename, id).

    Fails when two objects under one key disagree on a field: the cache would show one
    object's value in the other's place.
    """
    records: dict[tuple[str, str], dict[str, object]] = {}

    def visit(value: object) -> object:
        if isinstance(value, list):
            return [visit(item) for item in value]
        if not isinstance(value, dict):
            return value
        fields = {name: visit(item) for name, item in value.items()}
        if "id" not in value:
            return fields
        key = (str(value["__typename"]), str(value["id"]))
        record = records.setdefault(key, {})
        for name, item in fields.items():
            assert record.get(name, item) == item, f"{key}.{name}: {record[name]} and {item}"
            record[name] = item
        return {"__ref": key}

    visit(data)
    return records


async def test_participant_views_have_ids_of_their_own(api: Api) -> None:
    """Issue 10: the INVITED participant's view showed the viewer's contact in a normalized
    cache, because it carried the referral's and the profile's own IDs."""
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited = await make_actor(conn, "Invited")
        accepted = await make_actor(conn, "Accepted")
        returning = await make_actor(conn, "Returning")
        stranger = await make_actor(conn, "Stranger")
        rows = await make_referral(conn, owner, created=START - timedelta(days=30))
        for member, status, days in (
            (invited, ParticipantStatus.INVITED, 2),
            (accepted, ParticipantStatus.ACCEPTED, 3),
            # An organization whose first invitation expired, then accepted a second one.
            (returning, ParticipantStatus.EXPIRED, 29),
            (returning, ParticipantStatus.ACCEPTED, 4),
        ):
            await make_participant(
                conn,
                rows.id,
                member,
                invited_by=rows.owner_participant_id,
                invited=START - timedelta(days=days),
                status=status,
            )
    referral_id = _global_id("Referral", rows.id.hex)

    for viewer in (owner, returning):
        data = await api.query(VIEWS, {"id": referral_id}, actor=viewer)
        _normalized_cache(data)  # no two objects of one ID disagree
        referral = data["referral"]
        assert referral["customerProfile"]["contact"]["email"] == "contact@customer.example"
        for participant in referral["participants"]:
            view = participant["referralView"]
            if participant["status"] == "ACCEPTED":
                # An ACCEPTED participant sees what the viewer sees: the same objects, same IDs.
                assert view == {key: referral[key] for key in view}
                continue
            assert view["id"] != referral_id
            assert view["customerProfile"]["id"] != referral["customerProfile"]["id"]
            assert view["customerProfile"]["contact"] == {"email": None, "phoneNumber": None}
            # node(id:), nodes(ids:) and referral(id:) answer a view ID with that same view.
            node = """query ($id: ID!, $profile: ID!) {
              node(id: $id) { ... on Referral { __typename id version customerProfile { id } } }
              nodes(ids: [$id, $profile]) { __typename id }
              referral(id: $id) { id customerProfile { ...Profile } }
              profile: node(id: $profile) { ...Profile }
            }
            fragment Profile on CustomerProfile { __typename id name contact { email phoneNumber } }
            """
            ids = {"id": view["id"], "profile": view["customerProfile"]["id"]}
            found = await api.query(node, ids, actor=viewer)
            assert found["node"] == {**view, "customerProfile": {"id": ids["profile"]}}
            assert found["nodes"] == [
                {"__typename": "Referral", "id": ids["id"]},
                {"__typename": "CustomerProfile", "id": ids["profile"]},
            ]
            assert found["referral"] == {
                "id": ids["id"],
                "customerProfile": view["customerProfile"],
            }
            assert found["profile"] == view["customerProfile"]
            # Only organizations taking part in the referral see its views.
            hidden = await api.query(node, ids, actor=stranger)
            assert hidden == {
                "node": None,
                "nodes": [None, None],
                "referral": None,
                "profile": None,
            }
