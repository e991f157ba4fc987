"""`substatus` as each organization sees the same referral, through the mutations that move
it, and on a participant's view (`referralView`) as that participant sees it."""

from __future__ import annotations

from typing import Any

from tests.api.graph.mutation_documents import ACCEPT, INVITE, actors, create
from tests.helpers import Actor, Api

SEEN = """query ($id: ID!) { referral(id: $id) {
  status substatus participants { organizationId referralView { substatus } } } }"""
REJECT = """mutation ($input: RejectInvitationInput!) { rejectInvitation(input: $input) {
  userErrors { code } } }"""


async def _seen(api: Api, actor: Actor, referral_id: str) -> Any:
    return (await api.query(SEEN, {"id": referral_id}, actor=actor))["referral"]


async def _invite(api: Api, owner: Actor, referral_id: str, invited: Actor) -> str:
    data = await api.query(
        INVITE,
        {"input": {"referralId": referral_id, "organizationId": str(invited.organization_id)}},
        actor=owner,
    )
    assert data["inviteParticipant"]["userErrors"] == []
    participant_id: str = data["inviteParticipant"]["participant"]["id"]
    return participant_id


async def test_each_organization_sees_its_own_substatus(api: Api) -> None:
    owner, accepting, declining = await actors(api, 3)
    referral_id = (await create(api, owner))["id"]
    assert (await _seen(api, owner, referral_id))["substatus"] == "PENDING"

    first = await _invite(api, owner, referral_id, accepting)
    second = await _invite(api, owner, referral_id, declining)
    assert (await _seen(api, accepting, referral_id))["substatus"] == "RECEIVED"

    accepted = await api.query(ACCEPT, {"input": {"participantId": first}}, actor=accepting)
    assert accepted["acceptInvitation"]["participant"]["status"] == "ACCEPTED"
    rejected = await api.query(REJECT, {"input": {"participantId": second}}, actor=declining)
    assert rejected["rejectInvitation"]["userErrors"] == []

    by_owner = await _seen(api, owner, referral_id)
    assert (by_owner["status"], by_owner["substatus"]) == ("ACTIVE", "ACCEPTED")
    assert (await _seen(api, accepting, referral_id))["substatus"] == "ACCEPTED"
    by_declining = await _seen(api, declining, referral_id)
    assert (by_declining["status"], by_declining["substatus"]) == ("ACTIVE", "DECLINED")
    # The owner reading the declining partner's view sees what that partner sees.
    views = {row["organizationId"]: row["referralView"] for row in by_owner["participants"]}
    assert views[str(declining.organization_id)] == {"substatus": "DECLINED"}
