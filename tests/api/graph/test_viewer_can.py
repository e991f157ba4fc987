"""`Referral.viewerCan` against the mutations themselves, over every lifecycle case.

Each (referral status, how the viewer takes part) case of `tests.db.lifecycle_scenarios` is
built afresh for every mutation tried; a `viewerCan` field must be true exactly when at least
one of the inputs tried for its mutation is accepted (empty `userErrors`).
"""

from __future__ import annotations

from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from db.models import ReferralStatus
from tests.db.lifecycle_scenarios import (
    LOST_REASON,
    NEW_NAME,
    NOTE_TEXT,
    REJECT_REASON,
    Action,
    Role,
    Scenario,
    build,
    expected_refusal,
)
from tests.helpers import Api

VIEWER_CAN = """query ($id: ID!) { referral(id: $id) {
  viewerParticipant { id status }
  viewerCan { update changeStatus invite acceptInvitation rejectInvitation addNote } } }"""

MUTATIONS = {
    "update": ("updateReferral", "UpdateReferralInput"),
    "changeStatus": ("changeReferralStatus", "ChangeReferralStatusInput"),
    "invite": ("inviteParticipant", "InviteParticipantInput"),
    "acceptInvitation": ("acceptInvitation", "AcceptInvitationInput"),
    "rejectInvitation": ("rejectInvitation", "RejectInvitationInput"),
    "addNote": ("addReferralNote", "AddReferralNoteInput"),
}


def _inputs(field: str, scenario: Scenario) -> list[dict[str, Any]]:
    """Valid inputs for the field's mutation in this scenario: every one a button could mean."""
    referral = to_global_id("Referral", scenario.referral_id)
    invitation = (
        None
        if scenario.invitation_id is None
        else to_global_id("Participant", scenario.invitation_id)
    )
    if field == "update":
        return [{"id": referral, "name": NEW_NAME}]
    if field == "changeStatus":
        return [
            {"id": referral, "status": status.name}
            | ({"statusReason": LOST_REASON} if status is ReferralStatus.LOST else {})
            for status in ReferralStatus
        ]
    if field == "invite":
        return [{"referralId": referral, "organizationId": str(scenario.fresh.organization_id)}]
    if field == "acceptInvitation":
        return [{"participantId": invitation}]
    if field == "rejectInvitation":
        return [{"participantId": invitation, "reason": REJECT_REASON}]
    return [{"referralId": referral, "note": NOTE_TEXT}]


# The lifecycle actions each field stands for, as DOMAIN.md's table spells them.
SPEC_ACTIONS = {
    "update": (Action.UPDATE,),
    "changeStatus": (Action.ACTIVATE, Action.WIN, Action.LOSE),
    "invite": (Action.INVITE,),
    "acceptInvitation": (Action.ACCEPT,),
    "rejectInvitation": (Action.REJECT,),
    "addNote": (Action.NOTE,),
}


def _attempts(field: str) -> int:
    return len(ReferralStatus) if field == "changeStatus" else 1


# How the viewer's own participant reads: EXPIRED by time although stored INVITED.
OWN_STATUS = {
    Role.OWNER: "ACCEPTED",
    Role.ACCEPTED: "ACCEPTED",
    Role.INVITED: "INVITED",
    Role.REJECTED: "REJECTED",
    Role.EXPIRED: "EXPIRED",
    Role.MISSED: "MISSED",
}


async def _viewer_can(api: Api, scenario: Scenario, role: Role) -> dict[str, bool]:
    """What `viewerCan` answers (all false where the referral is not visible at all)."""
    data = await api.query(
        VIEWER_CAN, {"id": to_global_id("Referral", scenario.referral_id)}, actor=scenario.actor
    )
    referral = data["referral"]
    if role is Role.STRANGER:
        assert referral is None
        return dict.fromkeys(MUTATIONS, False)
    own = referral["viewerParticipant"]
    assert scenario.actor_participant_id is not None
    assert own == {
        "id": to_global_id("Participant", scenario.actor_participant_id),
        "status": OWN_STATUS[role],
    }
    answers: dict[str, bool] = referral["viewerCan"]
    return answers


async def _allowed(api: Api, scenario: Scenario, field: str, input: dict[str, Any]) -> bool:
    """Whether the field's mutation accepts `input` as the scenario's actor (no userErrors)."""
    name, input_type = MUTATIONS[field]
    document = (
        f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ code }} }} }}"
    )
    data = await api.query(document, {"input": input}, actor=scenario.actor)
    errors: list[dict[str, str]] = data[name]["userErrors"]
    return not errors


CASES = [
    pytest.param(status, role, id=f"{status.name}-{role.name}")
    for status in ReferralStatus
    for role in Role
]


@pytest.mark.parametrize(("status", "role"), CASES)
async def test_viewer_can_answers_what_the_mutation_does(
    api: Api, status: ReferralStatus, role: Role
) -> None:
    for field in MUTATIONS:
        answers, outcomes = set(), []
        for attempt in range(_attempts(field)):
            # A fresh scenario per try: a mutation that succeeds changes what the next one sees.
            # ACCEPT builds, for the owner and a stranger, an invitation they may try to answer.
            scenario = await build(api.database, status, Action.ACCEPT, role)
            answers.add((await _viewer_can(api, scenario, role))[field])
            outcomes.append(await _allowed(api, scenario, field, _inputs(field, scenario)[attempt]))
        (answer,) = answers
        assert answer == any(outcomes), (field, outcomes)
        # And both agree with the lifecycle's own table, so neither can be trivially false.
        spec = any(expected_refusal(status, a, role) is None for a in SPEC_ACTIONS[field])
        assert answer == spec, field
