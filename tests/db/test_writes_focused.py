"""Focused write rules: closing ends invitations, LOST needs a reason, stale versions, re-invite."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest

from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode, Refused
from db.writes import add_note, change_status, invite_participant
from tests.db.lifecycle_scenarios import (
    LOST_REASON,
    NOW,
    STATUS_TARGET,
    WINDOW,
    Action,
    Role,
    Scenario,
    build,
    by_id,
    new_activities,
    perform,
    projection,
    snapshot,
)
from tests.factories import make_actor, make_participant
from tests.helpers import Actor

# --- focused rules ------------------------------------------------------------------------


async def _owner_scenario(database: Database, status: ReferralStatus) -> Scenario:
    return await build(database, status, Action.NOTE, Role.OWNER)


async def _invite_directly(
    database: Database, scenario: Scenario, ago: timedelta, *, status: ParticipantStatus
) -> tuple[Actor, uuid.UUID]:
    async with database.engine.begin() as conn:
        member = await make_actor(conn, f"Member {uuid.uuid4().hex[:6]}")
        participant_id = await make_participant(
            conn,
            scenario.referral_id,
            member,
            invited_by=scenario.owner_participant_id,
            invited=NOW - ago,
            status=status,
            window=WINDOW,
        )
    return member, participant_id


CLOSINGS = [
    pytest.param(ReferralStatus.ACTIVE, Action.WIN, id="ACTIVE-WIN"),
    pytest.param(ReferralStatus.ACTIVE, Action.LOSE, id="ACTIVE-LOSE"),
    pytest.param(ReferralStatus.PENDING, Action.LOSE, id="PENDING-LOSE"),
]


@pytest.mark.parametrize(
    ("ago", "ends_as", "activity_type"),
    [
        pytest.param(
            timedelta(days=1),
            ParticipantStatus.MISSED,
            ActivityType.INVITATION_MISSED,
            id="open-becomes-MISSED",
        ),
        pytest.param(
            timedelta(days=20),
            ParticipantStatus.EXPIRED,
            ActivityType.INVITATION_EXPIRED,
            id="lapsed-becomes-EXPIRED",
        ),
    ],
)
@pytest.mark.parametrize(("status", "action"), CLOSINGS)
async def test_closing_ends_the_open_invitation(
    database: Database,
    status: ReferralStatus,
    action: Action,
    ago: timedelta,
    ends_as: ParticipantStatus,
    activity_type: ActivityType,
) -> None:
    scenario = await _owner_scenario(database, status)
    _, invitation = await _invite_directly(
        database, scenario, ago, status=ParticipantStatus.INVITED
    )
    # Answered participations are not invitations any more: closing leaves them alone.
    _, rejected = await _invite_directly(
        database, scenario, timedelta(days=2), status=ParticipantStatus.REJECTED
    )
    before = await snapshot(database, scenario.referral_id)

    await perform(database, scenario, action)

    after = await snapshot(database, scenario.referral_id)
    (old_referral,) = before["referral"]
    (new_referral,) = after["referral"]
    assert new_referral["version"] == old_referral["version"] + 1
    assert new_referral["status"] is STATUS_TARGET[action]
    participants = by_id(before["participant"])
    participants[invitation] = {**participants[invitation], "status": ends_as}
    assert by_id(after["participant"]) == participants
    assert by_id(after["participant"])[rejected]["status"] is ParticipantStatus.REJECTED
    reason = LOST_REASON if action is Action.LOSE else None
    target = STATUS_TARGET[action]
    owner = scenario.owner_participant_id
    assert projection(new_activities(before, after)) == Counter(
        [
            (ActivityType.STATUS_CHANGED, owner, None, status, target, reason, NOW),
            (activity_type, None, invitation, None, None, None, NOW),
        ]
    )


@pytest.mark.parametrize("reason", [None, "", "   \n"], ids=["none", "empty", "blank"])
@pytest.mark.parametrize("status", [ReferralStatus.PENDING, ReferralStatus.ACTIVE])
async def test_lose_needs_a_reason(
    database: Database, status: ReferralStatus, reason: str | None
) -> None:
    scenario = await _owner_scenario(database, status)
    before = await snapshot(database, scenario.referral_id)
    with pytest.raises(Refused) as refused:
        await change_status(
            database, scenario.viewer, scenario.referral_id, ReferralStatus.LOST, reason=reason
        )
    assert refused.value.code is RefusalCode.INVALID_INPUT
    assert refused.value.field == ("status_reason",)
    assert await snapshot(database, scenario.referral_id) == before


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(action, id=action.name)
        for action in (Action.ACTIVATE, Action.LOSE, Action.UPDATE, Action.NOTE, Action.INVITE)
    ],
)
async def test_stale_expected_version_is_a_conflict(database: Database, action: Action) -> None:
    scenario = await _owner_scenario(database, ReferralStatus.PENDING)
    await add_note(database, scenario.viewer, scenario.referral_id, "moves it to version 2")
    before = await snapshot(database, scenario.referral_id)
    (current,) = before["referral"]
    assert current["version"] == 2

    with pytest.raises(Refused) as refused:
        await perform(database, scenario, action, expected_version=1)
    assert refused.value.code is RefusalCode.CONFLICT
    assert refused.value.current_version == 2
    assert await snapshot(database, scenario.referral_id) == before

    # The same write at the current version goes through: the refusal was about the version.
    await perform(database, scenario, action, expected_version=2)
    (written,) = (await snapshot(database, scenario.referral_id))["referral"]
    assert written["version"] == 3


async def test_stale_version_from_a_stranger_answers_not_found(database: Database) -> None:
    """Visibility comes before expectedVersion: a conflict would reveal that the referral exists."""
    scenario = await build(database, ReferralStatus.PENDING, Action.NOTE, Role.STRANGER)
    before = await snapshot(database, scenario.referral_id)
    with pytest.raises(Refused) as refused:
        await perform(database, scenario, Action.NOTE, expected_version=99)
    assert refused.value.code is RefusalCode.NOT_FOUND
    assert refused.value.current_version is None
    assert await snapshot(database, scenario.referral_id) == before


async def test_reinviting_after_expiry_replaces_the_lapsed_invitation(database: Database) -> None:
    scenario = await _owner_scenario(database, ReferralStatus.PENDING)
    member, lapsed = await _invite_directly(
        database, scenario, timedelta(days=20), status=ParticipantStatus.INVITED
    )
    before = await snapshot(database, scenario.referral_id)

    invited = await invite_participant(
        database, scenario.viewer, scenario.referral_id, member.organization_id, window=WINDOW
    )

    after = await snapshot(database, scenario.referral_id)
    (old_referral,) = before["referral"]
    (new_referral,) = after["referral"]
    assert new_referral["version"] == old_referral["version"] + 1
    assert new_referral["status"] is ReferralStatus.PENDING
    participants = by_id(after["participant"])
    assert invited != lapsed
    assert participants[lapsed] == {
        **by_id(before["participant"])[lapsed],
        "status": ParticipantStatus.EXPIRED,
    }
    assert participants[invited]["organization_id"] == member.organization_id
    assert participants[invited]["status"] is ParticipantStatus.INVITED
    assert participants[invited]["expires_date"] == NOW + WINDOW
    owner = scenario.owner_participant_id
    assert projection(new_activities(before, after)) == Counter(
        [
            (ActivityType.INVITATION_EXPIRED, None, lapsed, None, None, None, NOW),
            (ActivityType.PARTICIPANT_INVITED, owner, invited, None, None, None, NOW),
        ]
    )


async def test_reinviting_an_open_invitation_is_refused(database: Database) -> None:
    """The counterpart of the test above: while the invitation is open, no second one."""
    scenario = await _owner_scenario(database, ReferralStatus.PENDING)
    member, _ = await _invite_directly(
        database, scenario, timedelta(days=1), status=ParticipantStatus.INVITED
    )
    before = await snapshot(database, scenario.referral_id)
    with pytest.raises(Refused) as refused:
        await invite_participant(
            database, scenario.viewer, scenario.referral_id, member.organization_id, window=WINDOW
        )
    assert refused.value.code is RefusalCode.ALREADY_PARTICIPATING
    assert await snapshot(database, scenario.referral_id) == before
