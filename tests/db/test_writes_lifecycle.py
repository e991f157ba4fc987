"""The referral lifecycle of DOMAIN.md, case by case, straight against the rules in `db.writes`.

Every (referral status, action, acting organization) combination gets a scenario of its own,
built with the factories, and one expectation derived from DOMAIN.md ("Who acts", "Lifecycle",
"Writes keep their promises"), written independently of `db.writes`. Each case checks both the
answer and the data: a success raises `version` by exactly one and appends exactly the expected
activities; a refusal carries the expected code and leaves every row of the referral as it was.
"""

from __future__ import annotations

import uuid
from typing import Any
from unittest.mock import ANY

import pytest

from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import Refused
from tests.db.lifecycle_scenarios import (
    ANSWERS,
    CASES,
    LOST_REASON,
    NEW_NAME,
    NOTE_TEXT,
    NOW,
    REJECT_REASON,
    WINDOW,
    Action,
    Role,
    build,
    by_id,
    described,
    expected_refusal,
    expected_status,
    new_activities,
    perform,
    snapshot,
)

# --- the table ----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "action", "role"), CASES)
async def test_lifecycle(
    database: Database, status: ReferralStatus, action: Action, role: Role
) -> None:
    scenario = await build(database, status, action, role)
    expected = expected_refusal(status, action, role)
    before = await snapshot(database, scenario.referral_id)

    if expected is not None:
        with pytest.raises(Refused) as refused:
            await perform(database, scenario, action)
        assert refused.value.code is expected, refused.value.message
        assert await snapshot(database, scenario.referral_id) == before, "a refusal changed data"
        if role is Role.STRANGER:
            # Exactly the answer for an id that does not exist: no hint that it does.
            with pytest.raises(Refused) as nonexistent:
                await perform(
                    database,
                    scenario,
                    action,
                    referral_id=uuid.uuid4(),
                    invitation_id=uuid.uuid4(),
                )
            assert (refused.value.code, refused.value.message, refused.value.field) == (
                nonexistent.value.code,
                nonexistent.value.message,
                nonexistent.value.field,
            )
        return

    answered = await perform(database, scenario, action)
    after = await snapshot(database, scenario.referral_id)
    actor_id = scenario.actor_participant_id
    assert actor_id is not None

    # The referral: one version further, touched now, in the status the rule says.
    (old_referral,) = before["referral"]
    (new_referral,) = after["referral"]
    assert new_referral == {
        **old_referral,
        "version": old_referral["version"] + 1,
        "updated_date": NOW,
        "status": expected_status(status, action),
        "status_reason": LOST_REASON if action is Action.LOSE else old_referral["status_reason"],
        "name": NEW_NAME if action is Action.UPDATE else old_referral["name"],
    }
    for unchanged in ("customer_profile", "customer_requirements", "additional_information"):
        assert after[unchanged] == before[unchanged]
    assert after["participant_user"] == before["participant_user"]

    # Participants: only the answered invitation changes, only INVITE adds one.
    participants = by_id(before["participant"])
    if action in ANSWERS:
        assert answered == scenario.referral_id
        own = participants[actor_id]
        participants[actor_id] = {
            **own,
            "status": ParticipantStatus.ACCEPTED
            if action is Action.ACCEPT
            else ParticipantStatus.REJECTED,
            "responded_date": NOW,
            "note": own["note"],  # the invitation's note; a rejection's reason is history
        }
    if action is Action.INVITE:
        assert answered is not None
        assert answered not in participants
        participants[answered] = {
            "id": answered,
            "referral_id": scenario.referral_id,
            "organization_id": scenario.fresh.organization_id,
            "status": ParticipantStatus.INVITED,
            "invited_by_participant_id": actor_id,
            "invited_date": NOW,
            "responded_date": None,
            "expires_date": NOW + WINDOW,
            "note": None,
        }
    assert by_id(after["participant"]) == participants

    # Activities: exactly the expected ones were appended, in the same transaction.
    activated = action is Action.ACCEPT and status is ReferralStatus.PENDING
    # (type, actor, subject, from, to, note); the UPDATED note's wording is not specified.
    changed_to = expected_status(status, action)
    wanted: dict[Action, tuple[Any, ...]] = {
        Action.ACTIVATE: (ActivityType.STATUS_CHANGED, actor_id, None, status, changed_to, None),
        Action.WIN: (ActivityType.STATUS_CHANGED, actor_id, None, status, changed_to, None),
        Action.LOSE: (ActivityType.STATUS_CHANGED, actor_id, None, status, changed_to, LOST_REASON),
        Action.UPDATE: (ActivityType.UPDATED, actor_id, None, None, None, ANY),
        Action.NOTE: (ActivityType.NOTE_ADDED, actor_id, None, None, None, NOTE_TEXT),
        Action.INVITE: (ActivityType.PARTICIPANT_INVITED, actor_id, answered, None, None, None),
        Action.ACCEPT: (
            ActivityType.INVITATION_ACCEPTED,
            actor_id,
            actor_id,
            ReferralStatus.PENDING if activated else None,
            ReferralStatus.ACTIVE if activated else None,
            None,
        ),
        Action.REJECT: (
            ActivityType.INVITATION_REJECTED,
            actor_id,
            actor_id,
            None,
            None,
            REJECT_REASON,
        ),
    }
    added = new_activities(before, after)
    assert [described(row) for row in added] == [(*wanted[action], NOW)]
    if action is Action.NOTE:
        assert answered == added[0]["id"]
