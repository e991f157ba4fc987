"""Partner Center's shape through the graph: the new fields in and out with their defaults,
the CRM key (unique, the owner's, a filter), and consent over who reads the contact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from api.graph.relay.ids import to_global_id
from db.models import ParticipantStatus
from db.tables import referral
from tests.api.graph.mutation_documents import ERRORS, actors, count_referrals
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral, new_referral
from tests.graphql_socket import GraphQLSocket, eventually, hub, note, referral_gid, serving
from tests.helpers import Actor, Api

SHAPE = """id type qualification externalReferenceId substatus
  consent { shareInfoWithOthers contactCustomer shareWithMicrosoftSellers }
  target { id type }
  customerProfile { size address { state region country } contact { email } }"""
CREATE = f"""mutation ($input: CreateReferralInput!) {{ createReferral(input: $input) {{
  referral {{ {SHAPE} }} {ERRORS} }} }}"""
UPDATE = f"""mutation ($input: UpdateReferralInput!) {{ updateReferral(input: $input) {{
  referral {{ {SHAPE} activities(last: 1) {{ nodes {{ note }} }} }} {ERRORS} }} }}"""
BY_KEY = """query ($key: String!) { referrals(filter: { externalReferenceId: $key }) {
  totalCount nodes { id externalReferenceId } } }"""

PARTNER_CENTER = {
    "type": "SHARED",
    "qualification": "SALES_QUALIFIED",
    "externalReferenceId": " crm-0042 ",
    "consent": {"shareInfoWithOthers": False, "shareWithMicrosoftSellers": True},
    "target": [{"id": "SOL-34104-EBB", "type": "SolutionProfile"}, {"id": "msft"}],
}
BRITISH_CUSTOMER = {
    "name": "Fabrikam UK",
    "size": "SIZE_10_TO_50",
    "address": {
        "addressLine1": "1 Parliament Square",
        "city": "London",
        "postalCode": "SW1A 1AA",
        "country": "GB",
        "region": "Greater London",
    },
    "contact": {
        "firstName": "Ada",
        "lastName": "Byron",
        "email": "ada@fabrikam.example",
        "phoneNumber": "+44 20 7946 0958",
    },
}


async def _create(api: Api, actor: Actor, **overrides: Any) -> dict[str, Any]:
    data = await api.query(CREATE, {"input": new_referral(**overrides)}, actor=actor)
    return data["createReferral"]  # type: ignore[no-any-return]


async def test_partner_center_fields_go_in_and_come_back(api: Api) -> None:
    (owner,) = await actors(api, 1)
    payload = await _create(api, owner, customerProfile=BRITISH_CUSTOMER, **PARTNER_CENTER)

    assert payload["userErrors"] == []
    created = payload["referral"]
    assert {key: value for key, value in created.items() if key != "id"} == {
        "type": "SHARED",
        "qualification": "SALES_QUALIFIED",
        "externalReferenceId": "crm-0042",
        "substatus": "PENDING",
        "consent": {
            "shareInfoWithOthers": False,
            "contactCustomer": True,  # left out: its default
            "shareWithMicrosoftSellers": True,
        },
        "target": [
            {"id": "SOL-34104-EBB", "type": "SolutionProfile"},
            {"id": "msft", "type": None},
        ],
        "customerProfile": {
            "size": "SIZE_10_TO_50",
            # Britain has no states: left out, it reads as empty text (state stays String!).
            "address": {"state": "", "region": "Greater London", "country": "GB"},
            "contact": {"email": "ada@fabrikam.example"},  # the owner always reads it
        },
    }


async def test_existing_create_calls_get_the_defaults(api: Api) -> None:
    (owner,) = await actors(api, 1)
    payload = await _create(api, owner)

    assert payload["userErrors"] == []
    created = payload["referral"]
    assert created["type"] == "INDEPENDENT"
    assert created["qualification"] == "NONE"
    assert created["externalReferenceId"] is None
    assert created["consent"] == {
        "shareInfoWithOthers": True,
        "contactCustomer": True,
        "shareWithMicrosoftSellers": False,
    }
    assert created["target"] == []
    assert created["customerProfile"]["size"] is None
    assert created["customerProfile"]["address"]["region"] is None


async def test_a_us_address_without_state_is_refused_naming_the_field(api: Api) -> None:
    (owner,) = await actors(api, 1)
    body = new_referral()
    del body["customerProfile"]["address"]["state"]

    data = await api.query(CREATE, {"input": body}, actor=owner)

    assert data["createReferral"]["userErrors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "`state` is required for addresses in US",
            "field": ["input", "customerProfile", "address", "state"],
            "currentVersion": None,
        }
    ]
    assert await count_referrals(api) == 0


async def test_qualification_and_key_change_by_update(api: Api) -> None:
    (owner,) = await actors(api, 1)
    created = (await _create(api, owner))["referral"]
    changes = {
        "id": created["id"],
        "qualification": "MARKETING_QUALIFIED",
        "externalReferenceId": "crm-7",
        "target": [{"id": "SOL-1", "type": "SolutionProfile"}],
        "customerProfile": {"size": "SIZE_MORE_THAN_20000", "address": {"region": "West"}},
    }

    updated = (await api.query(UPDATE, {"input": changes}, actor=owner))["updateReferral"]

    assert updated["userErrors"] == []
    seen = updated["referral"]
    assert (seen["qualification"], seen["externalReferenceId"]) == ("MARKETING_QUALIFIED", "crm-7")
    assert seen["target"] == [{"id": "SOL-1", "type": "SolutionProfile"}]
    assert seen["customerProfile"]["size"] == "SIZE_MORE_THAN_20000"
    assert seen["customerProfile"]["address"]["region"] == "West"
    assert seen["activities"]["nodes"][0]["note"] == (
        "Changed qualification, externalReferenceId, target, customerProfile.address.region, "
        "customerProfile.size"
    )
    reset = {"id": created["id"], "qualification": None, "externalReferenceId": None}
    cleared = (await api.query(UPDATE, {"input": reset}, actor=owner))["updateReferral"]
    assert (cleared["referral"]["qualification"], cleared["referral"]["externalReferenceId"]) == (
        "NONE",
        None,
    )


async def test_a_taken_key_is_a_user_error_not_a_fault(api: Api) -> None:
    (owner,) = await actors(api, 1)
    assert (await _create(api, owner, externalReferenceId="crm-1"))["userErrors"] == []
    second = (await _create(api, owner))["referral"]

    again = await _create(api, owner, externalReferenceId="crm-1")
    moved = await api.query(
        UPDATE, {"input": {"id": second["id"], "externalReferenceId": "crm-1"}}, actor=owner
    )

    expected = {
        "code": "DUPLICATE_EXTERNAL_REFERENCE_ID",
        "message": "Your organization already has a referral with externalReferenceId 'crm-1'.",
        "field": ["input", "externalReferenceId"],
        "currentVersion": None,
    }
    assert again == {"referral": None, "userErrors": [expected]}
    assert moved["updateReferral"]["userErrors"] == [expected]
    assert await count_referrals(api) == 2


async def test_the_key_filter_finds_the_viewers_own_referral_only(api: Api) -> None:
    owner, partner = await actors(api, 2)
    mine = (await _create(api, owner, externalReferenceId="crm-1"))["referral"]
    await _create(api, owner, externalReferenceId="crm-2")
    theirs = (await _create(api, partner, externalReferenceId="crm-1"))["referral"]
    invite = """mutation ($input: InviteParticipantInput!) { inviteParticipant(input: $input) {
      userErrors { code } } }"""
    invited = await api.query(
        invite,
        {"input": {"referralId": mine["id"], "organizationId": str(partner.organization_id)}},
        actor=owner,
    )
    assert invited["inviteParticipant"]["userErrors"] == []

    by_owner = (await api.query(BY_KEY, {"key": "crm-1"}, actor=owner))["referrals"]
    by_partner = (await api.query(BY_KEY, {"key": " crm-1 "}, actor=partner))["referrals"]
    everything = await api.query(
        "{ referrals { nodes { id externalReferenceId } } }", actor=partner
    )

    assert by_owner == {
        "totalCount": 1,
        "nodes": [{"id": mine["id"], "externalReferenceId": "crm-1"}],
    }
    assert by_partner == {
        "totalCount": 1,
        "nodes": [{"id": theirs["id"], "externalReferenceId": "crm-1"}],
    }
    # The owner's CRM key is the owner's: the invited partner reads null.
    assert {"id": mine["id"], "externalReferenceId": None} in everything["referrals"]["nodes"]
    assert (await api.query(BY_KEY, {"key": "CRM-1"}, actor=owner))["referrals"]["totalCount"] == 0


@pytest.mark.parametrize("key", ["", "   ", "x" * 101])
async def test_a_bad_key_filter_is_refused_naming_it(api: Api, key: str) -> None:
    (owner,) = await actors(api, 1)
    errors = await api.errors(BY_KEY, {"key": key}, actor=owner)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "filter.externalReferenceId" in errors[0]["message"]


# --- consent over the contact, on every path that reads it ---------------------------------

CONTACT_PATHS = """query ($id: ID!, $ids: [ID!]!) {
  referral(id: $id) { substatus customerProfile { id contact { email phoneNumber } } }
  referrals { nodes { customerProfile { contact { email phoneNumber } } } }
  nodes(ids: $ids) { ... on Referral { customerProfile { contact { email phoneNumber } } } }
}"""
PROFILE_NODE = """query ($id: ID!) { node(id: $id) {
  ... on CustomerProfile { contact { email phoneNumber } } } }"""


async def _consenting(api: Api, *, shared: bool) -> tuple[Actor, Actor, uuid.UUID]:
    """A referral whose customer consented to sharing (or not), with an ACCEPTED partner."""
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
            status=ParticipantStatus.ACCEPTED,
        )
        await conn.execute(
            update(referral)
            .where(referral.c.id == rows.id)
            .values(consent_share_info_with_others=shared)
        )
    return owner, partner, rows.id


async def _contacts_seen(api: Api, actor: Actor, referral_id: uuid.UUID) -> list[Any]:
    gid = to_global_id("Referral", referral_id)
    data = await api.query(CONTACT_PATHS, {"id": gid, "ids": [gid]}, actor=actor)
    profile_id = data["referral"]["customerProfile"]["id"]
    by_node = await api.query(PROFILE_NODE, {"id": profile_id}, actor=actor)
    return [
        data["referral"]["customerProfile"]["contact"],
        data["referrals"]["nodes"][0]["customerProfile"]["contact"],
        data["nodes"][0]["customerProfile"]["contact"],
        by_node["node"]["contact"],
    ]


HIDDEN = {"email": None, "phoneNumber": None}
SHOWN = {"email": "contact@customer.example", "phoneNumber": "+14255550100"}


@pytest.mark.parametrize("shared", [True, False])
async def test_consent_decides_what_an_accepted_partner_reads(api: Api, shared: bool) -> None:
    owner, partner, referral_id = await _consenting(api, shared=shared)

    assert await _contacts_seen(api, owner, referral_id) == [SHOWN] * 4
    assert await _contacts_seen(api, partner, referral_id) == [SHOWN if shared else HIDDEN] * 4


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


async def test_subscribers_read_the_contact_by_consent_too(
    api: Api, app: Starlette, server: str
) -> None:
    owner, partner, referral_id = await _consenting(api, shared=False)
    async with GraphQLSocket.open(server) as owners, GraphQLSocket.open(server) as partners:
        await owners.init(api.token(owner))
        await partners.init(api.token(partner))
        await owners.subscribe(variables={"id": referral_gid(referral_id)})
        await partners.subscribe(variables={"id": referral_gid(referral_id)})
        await eventually(lambda: len(hub(app)) == 2)

        await note(api, owner, referral_id, "Called the customer")

        assert (await owners.event())["referral"]["customerProfile"]["contact"] == SHOWN
        assert (await partners.event())["referral"]["customerProfile"]["contact"] == HIDDEN
