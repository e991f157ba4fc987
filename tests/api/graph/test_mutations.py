"""Mutations through GraphQL: payloads, userErrors, partial updates, idempotency, authorization."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from api.graph.nodes import decode_global_id
from api.graph.relay.ids import to_global_id
from db.tables import activity, referral
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral, new_referral
from tests.helpers import Actor, Api

ERRORS = "userErrors { code message field currentVersion }"
CREATE = f"""mutation ($input: CreateReferralInput!) {{ createReferral(input: $input) {{
  referral {{ id status version name referralSource
    owner {{ organizationId status users {{ id }} }}
    customerProfile {{ name address {{ addressLine2 country }}
                      contact {{ email phoneNumber }} }}
    customerRequirements {{ industries products services solutions }}
    additionalInformation {{ dealValue currency closingDate notes }}
    activities {{ nodes {{ type toStatus }} }} }}
  {ERRORS} }} }}"""
UPDATE = f"""mutation ($input: UpdateReferralInput!) {{ updateReferral(input: $input) {{
  referral {{ version name customerProfile {{ name address {{ addressLine1 addressLine2 }}
    contact {{ phoneNumber }} }}
    additionalInformation {{ dealValue currency notes }}
    activities(last: 1) {{ nodes {{ type note }} }} }}
  {ERRORS} }} }}"""
INVITE = f"""mutation ($input: InviteParticipantInput!) {{ inviteParticipant(input: $input) {{
  participant {{ id status organizationId expiresDate invitedBy {{ id }} users {{ id }} }}
  referral {{ version }} {ERRORS} }} }}"""
ACCEPT = f"""mutation ($input: AcceptInvitationInput!) {{ acceptInvitation(input: $input) {{
  participant {{ status }} referral {{ status version }} {ERRORS} }} }}"""
NOTE = f"""mutation ($input: AddReferralNoteInput!) {{ addReferralNote(input: $input) {{
  activity {{ type note actor {{ organizationId }} }} referral {{ version }} {ERRORS} }} }}"""
STATUS = f"""mutation ($input: ChangeReferralStatusInput!) {{ changeReferralStatus(input: $input) {{
  referral {{ status statusReason version }} {ERRORS} }} }}"""


async def _count_referrals(api: Api) -> int:
    async with api.database.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)


async def _actors(api: Api, count: int = 2) -> list[Actor]:
    async with api.database.engine.begin() as conn:
        return [await make_actor(conn, f"Org {i}") for i in range(count)]


async def _create(api: Api, actor: Actor, **overrides: Any) -> dict[str, Any]:
    data = await api.query(CREATE, {"input": new_referral(**overrides)}, actor=actor)
    payload: dict[str, Any] = data["createReferral"]
    assert payload["userErrors"] == []
    return payload["referral"]  # type: ignore[no-any-return]


async def test_create_makes_a_pending_referral_owned_by_the_caller(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    created = await _create(
        api,
        owner,
        additionalInformation={"dealValue": "1250.5", "currency": "usd"},
        customerRequirements={"products": ["Teams", "Teams", " Azure "]},
    )
    assert created["status"] == "PENDING"
    assert created["version"] == 1
    assert created["owner"]["organizationId"] == str(owner.organization_id)
    assert created["owner"]["status"] == "ACCEPTED"
    assert created["owner"]["users"] == [{"id": to_global_id("User", owner.user_id)}]
    profile = created["customerProfile"]
    assert profile["address"] == {"addressLine2": None, "country": "US"}
    assert profile["contact"] == {"email": "ana@contoso.example", "phoneNumber": "+14255550100"}
    assert created["customerRequirements"] == {
        "industries": [],
        "products": ["Teams", "Azure"],
        "services": [],
        "solutions": None,
    }
    assert created["additionalInformation"] == {
        "dealValue": "1250.50",
        "currency": "USD",
        "closingDate": None,
        "notes": None,
    }
    assert created["activities"]["nodes"] == [{"type": "CREATED", "toStatus": "PENDING"}]


async def test_invalid_create_names_every_bad_field_and_writes_nothing(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    body = new_referral(name="  ")
    body["customerProfile"]["contact"].update(email="not-an-email", phoneNumber="12")
    body["customerProfile"]["address"]["country"] = "XX"
    body["additionalInformation"] = {"dealValue": "-1", "currency": "EUR"}

    data = await api.query(CREATE, {"input": body}, actor=owner)

    payload = data["createReferral"]
    assert payload["referral"] is None
    fields = {tuple(e["field"]) for e in payload["userErrors"]}
    assert fields == {
        ("input", "name"),
        ("input", "customerProfile", "address", "country"),
        ("input", "customerProfile", "contact", "email"),
        ("input", "customerProfile", "contact", "phoneNumber"),
        ("input", "additionalInformation", "dealValue"),
    }
    assert {e["code"] for e in payload["userErrors"]} == {"INVALID_INPUT"}
    assert all(e["message"].startswith("`") for e in payload["userErrors"])
    assert await _count_referrals(api) == 0


async def test_idempotency_key_returns_the_first_answer(api: Api) -> None:
    owner, other = await _actors(api)
    first = await _create(api, owner, idempotencyKey="order-42")
    again = await _create(api, owner, idempotencyKey="order-42")
    assert again["id"] == first["id"]
    assert await _count_referrals(api) == 1

    reused = await api.query(
        CREATE,
        {"input": new_referral(name="Another deal", idempotencyKey="order-42")},
        actor=owner,
    )
    assert reused["createReferral"]["referral"] is None
    assert reused["createReferral"]["userErrors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This idempotency key was used with a different request body.",
            "field": ["input", "idempotencyKey"],
            "currentVersion": None,
        }
    ]
    # Keys belong to an organization: another one may use the same string.
    theirs = await _create(api, other, idempotencyKey="order-42")
    assert theirs["id"] != first["id"]
    assert await _count_referrals(api) == 2


async def test_concurrent_retries_with_one_key_create_one_referral(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    body = {"input": new_referral(idempotencyKey=str(uuid.uuid4()))}
    responses = await asyncio.gather(*(api.query(CREATE, body, actor=owner) for _ in range(10)))
    ids = {r["createReferral"]["referral"]["id"] for r in responses}
    assert len(ids) == 1
    assert all(r["createReferral"]["userErrors"] == [] for r in responses)
    assert await _count_referrals(api) == 1


async def test_update_changes_only_given_fields_and_null_clears(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    created = await _create(
        api, owner, additionalInformation={"dealValue": "10", "currency": "EUR", "notes": "x"}
    )
    referral_id = created["id"]
    changes = {
        "id": referral_id,
        "expectedVersion": 1,
        "customerProfile": {
            "address": {"addressLine2": "Suite 5"},
            "contact": {"phoneNumber": "425 555 0199"},  # national form: the address's country
        },
        "additionalInformation": {"dealValue": None, "currency": None},
    }
    data = (await api.query(UPDATE, {"input": changes}, actor=owner))["updateReferral"]

    assert data["userErrors"] == []
    updated = data["referral"]
    assert updated["version"] == 2
    assert updated["name"] == created["name"]  # absent: unchanged
    assert updated["customerProfile"]["address"] == {
        "addressLine1": "1 Main Street",
        "addressLine2": "Suite 5",
    }
    assert updated["customerProfile"]["contact"]["phoneNumber"] == "+14255550199"
    assert updated["additionalInformation"] == {"dealValue": None, "currency": None, "notes": "x"}
    (last,) = updated["activities"]["nodes"]
    assert last["type"] == "UPDATED"
    assert last["note"] == (
        "Changed customerProfile.address.addressLine2, customerProfile.contact.phoneNumber, "
        "additionalInformation.dealValue, additionalInformation.currency"
    )


async def test_update_refusals_change_nothing(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    referral_id = (await _create(api, owner))["id"]

    async def errors(changes: dict[str, Any]) -> list[dict[str, Any]]:
        data = await api.query(UPDATE, {"input": {"id": referral_id, **changes}}, actor=owner)
        # The referral as it is now, unchanged, for the client to reconcile with.
        assert data["updateReferral"]["referral"]["version"] == 1
        return data["updateReferral"]["userErrors"]  # type: ignore[no-any-return]

    cleared = await errors({"name": None})
    assert [(e["code"], e["field"]) for e in cleared] == [("INVALID_INPUT", ["input", "name"])]
    stale = await errors({"name": "New", "expectedVersion": 7})
    assert [(e["code"], e["currentVersion"]) for e in stale] == [("CONFLICT", 1)]
    orphan = await errors({"additionalInformation": {"dealValue": "5"}})
    assert orphan[0]["field"] == ["input", "additionalInformation", "currency"]
    nothing = await errors({})
    assert nothing[0]["code"] == "INVALID_INPUT"
    assert nothing[0]["field"] is None
    check = await api.query(
        "query ($id: ID!) { referral(id: $id) { version name activities { totalCount } } }",
        {"id": referral_id},
        actor=owner,
    )
    assert check["referral"] == {
        "version": 1,
        "name": "Contoso - Teams rollout",
        "activities": {"totalCount": 1},
    }


async def test_an_update_that_changes_nothing_is_no_change(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    referral_id = (await _create(api, owner))["id"]
    data = await api.query(
        UPDATE, {"input": {"id": referral_id, "name": "Contoso - Teams rollout"}}, actor=owner
    )
    assert data["updateReferral"]["userErrors"] == []
    assert data["updateReferral"]["referral"]["version"] == 1


async def test_invitation_round_trip_and_expiry(api: Api) -> None:
    owner, partner = await _actors(api)
    referral_id = (await _create(api, owner))["id"]
    invite = {
        "referralId": referral_id,
        "organizationId": str(partner.organization_id),
        "userIds": [to_global_id("User", partner.user_id)],
        "note": "Interested?",
    }
    invited = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert invited["userErrors"] == []
    participant = invited["participant"]
    assert participant["status"] == "INVITED"
    assert participant["expiresDate"] == (START + timedelta(days=14)).isoformat()
    assert participant["users"] == [{"id": invite["userIds"][0]}]
    assert invited["referral"]["version"] == 2

    again = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert again["userErrors"][0]["code"] == "ALREADY_PARTICIPATING"

    api.clock.advance(timedelta(days=14))
    late = (
        await api.query(ACCEPT, {"input": {"participantId": participant["id"]}}, actor=partner)
    )["acceptInvitation"]
    assert late["userErrors"][0]["code"] == "INVITATION_EXPIRED"
    assert late["participant"] == {"status": "EXPIRED"}  # as it is now

    # Once expired, the organization may be invited again, and this time it accepts.
    fresh = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert fresh["userErrors"] == []
    accepted = (
        await api.query(
            ACCEPT, {"input": {"participantId": fresh["participant"]["id"]}}, actor=partner
        )
    )["acceptInvitation"]
    assert accepted["userErrors"] == []
    assert accepted["participant"]["status"] == "ACCEPTED"
    assert accepted["referral"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"organizationId": "not-a-uuid"}, "INVALID_INPUT", ["input", "organizationId"]),
        ({"organizationId": str(uuid.uuid4())}, "NOT_FOUND", ["input", "organizationId"]),
        ({"userIds": ["bogus"]}, "INVALID_INPUT", ["input", "userIds", "0"]),
        ({"referralId": "bogus"}, "INVALID_INPUT", ["input", "referralId"]),
        ({"note": "x" * 2001}, "INVALID_INPUT", ["input", "note"]),
    ],
)
async def test_bad_invitations_are_refused_by_field(
    api: Api, change: dict[str, Any], code: str, field: list[str]
) -> None:
    owner, partner = await _actors(api)
    referral_id = (await _create(api, owner))["id"]
    invite = {"referralId": referral_id, "organizationId": str(partner.organization_id), **change}
    data = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert [(e["code"], e["field"]) for e in data["userErrors"]] == [(code, field)]
    assert data["participant"] is None


async def test_inviting_a_user_of_another_organization_is_refused(api: Api) -> None:
    owner, partner, third = await _actors(api, 3)
    referral_id = (await _create(api, owner))["id"]
    invite = {
        "referralId": referral_id,
        "organizationId": str(partner.organization_id),
        "userIds": [to_global_id("User", third.user_id)],
    }
    data = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert [(e["code"], e["field"]) for e in data["userErrors"]] == [
        ("INVALID_INPUT", ["input", "userIds", "0"])
    ]


async def test_foreign_referrals_answer_not_found_to_every_mutation(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        stranger = await make_actor(conn, "Stranger")
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
        invitation = await make_participant(
            conn,
            rows.id,
            partner,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(hours=2),
        )

    async def codes(referral_id: str, participant_id: str) -> list[str]:
        answers = [
            await api.query(UPDATE, {"input": {"id": referral_id, "name": "x"}}, actor=stranger),
            await api.query(
                STATUS, {"input": {"id": referral_id, "status": "ACTIVE"}}, actor=stranger
            ),
            await api.query(
                INVITE,
                {
                    "input": {
                        "referralId": referral_id,
                        "organizationId": str(stranger.organization_id),
                    }
                },
                actor=stranger,
            ),
            await api.query(
                NOTE, {"input": {"referralId": referral_id, "note": "hi"}}, actor=stranger
            ),
            await api.query(ACCEPT, {"input": {"participantId": participant_id}}, actor=stranger),
        ]
        return [next(iter(a.values()))["userErrors"][0]["code"] for a in answers]

    foreign = await codes(
        to_global_id("Referral", rows.id), to_global_id("Participant", invitation)
    )
    missing = await codes(
        to_global_id("Referral", uuid.uuid4()), to_global_id("Participant", uuid.uuid4())
    )
    assert foreign == missing == ["NOT_FOUND"] * 5
    assert await _count_activities(api, rows.id) == 2


async def _count_activities(api: Api, referral_id: uuid.UUID) -> int:
    async with api.database.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(activity).where(activity.c.referral_id == referral_id)
        )
    return int(count or 0)


async def test_notes_and_status_changes_write_history(api: Api) -> None:
    (owner,) = await _actors(api, 1)
    referral_id = (await _create(api, owner))["id"]
    noted = (
        await api.query(
            NOTE, {"input": {"referralId": referral_id, "note": "Met the CIO"}}, actor=owner
        )
    )["addReferralNote"]
    assert noted["activity"] == {
        "type": "NOTE_ADDED",
        "note": "Met the CIO",
        "actor": {"organizationId": str(owner.organization_id)},
    }
    lost = (
        await api.query(
            STATUS,
            {
                "input": {
                    "id": referral_id,
                    "status": "LOST",
                    "statusReason": "No budget",
                    "expectedVersion": 2,
                }
            },
            actor=owner,
        )
    )["changeReferralStatus"]
    assert lost == {
        "referral": {"status": "LOST", "statusReason": "No budget", "version": 3},
        "userErrors": [],
    }
    closed = (
        await api.query(NOTE, {"input": {"referralId": referral_id, "note": "late"}}, actor=owner)
    )["addReferralNote"]
    assert closed["userErrors"][0]["code"] == "INVALID_TRANSITION"


async def test_contract_mutations_run_end_to_end(api: Api) -> None:
    from tests.test_contract import CONTRACT

    def operation(name: str) -> str:
        return (CONTRACT / "mutations" / f"{name}.graphql").read_text()

    owner, partner, other = await _actors(api, 3)

    async def send(
        name: str, variables: dict[str, Any], actor: Actor, op: str | None = None
    ) -> dict[str, Any]:
        response = await api.client.post(
            "/graphql",
            json={"query": operation(name), "variables": variables, "operationName": op},
            headers={"Authorization": f"Bearer {api.token(actor)}"},
        )
        body = response.json()
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        assert payload["userErrors"] == []
        return payload  # type: ignore[no-any-return]

    created = await send("CreateReferral", {"input": new_referral()}, owner)
    referral_id = created["referral"]["id"]
    assert created["referral"]["owner"] == {"organizationId": str(owner.organization_id)}
    invited = await send(
        "InviteParticipant",
        {"input": {"referralId": referral_id, "organizationId": str(partner.organization_id)}},
        owner,
    )
    assert invited["participant"]["invitedBy"]["id"]
    accepted = await send(
        "AnswerInvitation",
        {"input": {"participantId": invited["participant"]["id"]}},
        partner,
        "AcceptInvitation",
    )
    assert accepted["referral"]["status"] == "ACTIVE"
    second = await send(
        "InviteParticipant",
        {"input": {"referralId": referral_id, "organizationId": str(other.organization_id)}},
        partner,
    )
    rejected = await send(
        "AnswerInvitation",
        {"input": {"participantId": second["participant"]["id"]}},
        other,
        "RejectInvitation",
    )
    assert rejected["participant"]["status"] == "REJECTED"
    won = await send(
        "ChangeReferralStatus",
        {"input": {"id": referral_id, "status": "WON", "expectedVersion": 5}},
        owner,
    )
    assert won["referral"]["status"] == "WON"
    assert won["referral"]["version"] == 6


async def test_a_participants_view_id_is_refused_by_every_referral_mutation(api: Api) -> None:
    """A view ID (Participant.referralView) names a read-only view, not the referral."""
    owner, partner = await _actors(api)
    referral_id = (await _create(api, owner))["id"]
    invite = {"referralId": referral_id, "organizationId": str(partner.organization_id)}
    invited = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    view = (
        """query ($id: ID!) { referral(id: $id) { participants { status referralView { id } } } }"""
    )
    participants = (await api.query(view, {"id": referral_id}, actor=owner))["referral"]
    (view_id,) = [
        p["referralView"]["id"] for p in participants["participants"] if p["status"] == "INVITED"
    ]
    assert view_id != referral_id
    assert invited["userErrors"] == []
    third = (await _actors(api, 1))[0]
    attempts = [
        (UPDATE, "updateReferral", {"id": view_id, "name": "Renamed"}, "id"),
        (STATUS, "changeReferralStatus", {"id": view_id, "status": "ACTIVE"}, "id"),
        (NOTE, "addReferralNote", {"referralId": view_id, "note": "Hi"}, "referralId"),
        (
            INVITE,
            "inviteParticipant",
            {"referralId": view_id, "organizationId": str(third.organization_id)},
            "referralId",
        ),
    ]
    for mutation, name, body, field in attempts:
        data = (await api.query(mutation, {"input": body}, actor=owner))[name]
        (error,) = data["userErrors"]
        assert (error["code"], error["field"]) == ("INVALID_INPUT", ["input", field])
        assert "view" in error["message"], error
        assert f"`{field}`" in error["message"], error
    check = "query ($id: ID!) { referral(id: $id) { version name status } }"
    assert (await api.query(check, {"id": referral_id}, actor=owner))["referral"] == {
        "version": 2,
        "name": "Contoso - Teams rollout",
        "status": "PENDING",
    }


async def test_refused_mutations_return_the_referral_as_it_is_now(api: Api) -> None:
    """Issue 10: a refusal's payload said `referral: null` though a client reconciling a
    CONFLICT needs the referral as it stands; null stays for what the caller may not see."""
    owner, partner, other, stranger = await _actors(api, 4)
    referral_id = (await _create(api, owner))["id"]
    invite = {"referralId": referral_id, "organizationId": str(partner.organization_id)}
    invited = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    participant_id = invited["participant"]["id"]
    third = {"referralId": referral_id, "organizationId": str(other.organization_id)}
    stale = {"expectedVersion": 1}  # the invitation made it version 2
    refused = {
        "updateReferral": (UPDATE, {"id": referral_id, "name": "New", **stale}),
        "changeReferralStatus": (STATUS, {"id": referral_id, "status": "ACTIVE", **stale}),
        "addReferralNote": (NOTE, {"referralId": referral_id, "note": "Hi", **stale}),
        "inviteParticipant": (INVITE, {**third, **stale}),
    }
    for name, (mutation, body) in refused.items():
        payload = (await api.query(mutation, {"input": body}, actor=owner))[name]
        assert [(e["code"], e["currentVersion"]) for e in payload["userErrors"]] == [
            ("CONFLICT", 2)
        ], name
        assert payload["referral"]["version"] == 2, name
        assert payload.get("participant", payload.get("activity")) is None, name

    # An invitation answered by someone else: refused, yet both are shown as they are.
    answer = f"""mutation ($input: AcceptInvitationInput!) {{ acceptInvitation(input: $input) {{
      participant {{ id status }} referral {{ version customerProfile {{ contact {{ email }} }} }}
      {ERRORS} }} }}"""
    data = (await api.query(answer, {"input": {"participantId": participant_id}}, actor=owner))[
        "acceptInvitation"
    ]
    assert [e["code"] for e in data["userErrors"]] == ["NOT_AUTHORIZED"]
    assert data["participant"] == {"id": participant_id, "status": "INVITED"}
    assert data["referral"]["version"] == 2
    # The invited organization may not change the referral, and sees it masked, as it may.
    note = {"referralId": referral_id, "note": "Hello"}
    as_partner = f"""mutation ($input: AddReferralNoteInput!) {{ addReferralNote(input: $input) {{
      activity {{ id }} referral {{ version customerProfile {{ contact {{ email }} }} }}
      {ERRORS} }} }}"""
    data = (await api.query(as_partner, {"input": note}, actor=partner))["addReferralNote"]
    assert [e["code"] for e in data["userErrors"]] == ["NOT_AUTHORIZED"]
    assert data["referral"] == {"version": 2, "customerProfile": {"contact": {"email": None}}}
    assert data["activity"] is None

    # Not the stranger's to see: null, exactly as for a referral that does not exist.
    for target in (referral_id, to_global_id("Referral", uuid.uuid4())):
        data = (await api.query(NOTE, {"input": {**note, "referralId": target}}, actor=stranger))[
            "addReferralNote"
        ]
        assert [e["code"] for e in data["userErrors"]] == ["NOT_FOUND"]
        assert data["referral"] is None
        data = (
            await api.query(answer, {"input": {"participantId": participant_id}}, actor=stranger)
        )["acceptInvitation"]
        assert data["participant"] is None
        assert data["referral"] is None
    assert await _count_activities(api, decode_global_id(referral_id).pk) == 2


async def test_list_input_errors_name_the_callers_index(api: Api) -> None:
    """Issue 10: `userIds: [g, g, foreign]` said index 1 (duplicates were dropped first), and a
    malformed ID said "userIds[0]" where every other path names items as ["userIds", "0"]."""
    owner, partner, third = await _actors(api, 3)
    referral_id = (await _create(api, owner))["id"]
    good = to_global_id("User", partner.user_id)
    foreign = to_global_id("User", third.user_id)
    cases = [
        ([good, good, foreign], ["input", "userIds", "2"], "`userIds[2]`"),
        ([good, "bogus"], ["input", "userIds", "1"], "`userIds[1]`"),
        ([good, good, to_global_id("Referral", uuid.uuid4())], ["input", "userIds", "2"], None),
    ]
    for user_ids, field, named in cases:
        invite = {
            "referralId": referral_id,
            "organizationId": str(partner.organization_id),
            "userIds": user_ids,
        }
        data = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
        (error,) = data["userErrors"]
        assert (error["code"], error["field"]) == ("INVALID_INPUT", field), error
        assert named is None or error["message"].startswith(named), error
    requirements = {"products": ["Teams", "Teams", "  "]}
    data = await api.query(
        UPDATE, {"input": {"id": referral_id, "customerRequirements": requirements}}, actor=owner
    )
    (error,) = data["updateReferral"]["userErrors"]
    assert error["field"] == ["input", "customerRequirements", "products", "2"]
    assert error["message"] == "`products[2]` must not be blank"
