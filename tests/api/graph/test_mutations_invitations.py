"""inviteParticipant and its answers: round trip, expiry, refusals by field and list index."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from tests.api.graph.mutation_documents import (
    ACCEPT,
    INVITE,
    UPDATE,
    actors,
    create,
)
from tests.conftest import START
from tests.helpers import Api


async def test_invitation_round_trip_and_expiry(api: Api) -> None:
    owner, partner = await actors(api)
    referral_id = (await create(api, owner))["id"]
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
    owner, partner = await actors(api)
    referral_id = (await create(api, owner))["id"]
    invite = {"referralId": referral_id, "organizationId": str(partner.organization_id), **change}
    data = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert [(e["code"], e["field"]) for e in data["userErrors"]] == [(code, field)]
    assert data["participant"] is None


async def test_inviting_a_user_of_another_organization_is_refused(api: Api) -> None:
    owner, partner, third = await actors(api, 3)
    referral_id = (await create(api, owner))["id"]
    invite = {
        "referralId": referral_id,
        "organizationId": str(partner.organization_id),
        "userIds": [to_global_id("User", third.user_id)],
    }
    data = (await api.query(INVITE, {"input": invite}, actor=owner))["inviteParticipant"]
    assert [(e["code"], e["field"]) for e in data["userErrors"]] == [
        ("INVALID_INPUT", ["input", "userIds", "0"])
    ]


async def test_list_input_errors_name_the_callers_index(api: Api) -> None:
    """Issue 10: `userIds: [g, g, foreign]` said index 1 (duplicates were dropped first), and a
    malformed ID said "userIds[0]" where every other path names items as ["userIds", "0"]."""
    owner, partner, third = await actors(api, 3)
    referral_id = (await create(api, owner))["id"]
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
