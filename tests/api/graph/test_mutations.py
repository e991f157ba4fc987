"""Mutations through GraphQL: history, contract documents, foreign IDs, payloads after refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from api.graph.nodes import decode_global_id
from api.graph.relay.ids import to_global_id
from tests.api.graph.mutation_documents import (
    ACCEPT,
    ERRORS,
    INVITE,
    NOTE,
    STATUS,
    UPDATE,
    actors,
    count_activities,
    create,
)
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral, new_referral
from tests.helpers import Actor, Api


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
    assert await count_activities(api, rows.id) == 2


async def test_notes_and_status_changes_write_history(api: Api) -> None:
    (owner,) = await actors(api, 1)
    referral_id = (await create(api, owner))["id"]
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

    owner, partner, other = await actors(api, 3)

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
    owner, partner = await actors(api)
    referral_id = (await create(api, owner))["id"]
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
    third = (await actors(api, 1))[0]
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
    owner, partner, other, stranger = await actors(api, 4)
    referral_id = (await create(api, owner))["id"]
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
    assert await count_activities(api, decode_global_id(referral_id).pk) == 2
