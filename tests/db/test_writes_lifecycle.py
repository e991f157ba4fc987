"""The referral lifecycle of DOMAIN.md, case by case, straight against the rules in `db.writes`.

Every (referral status, action, acting organization) combination gets a scenario of its own,
built with the factories, and one expectation derived from DOMAIN.md ("Who acts", "Lifecycle",
"Writes keep their promises"), written independently of `db.writes`. Each case checks both the
answer and the data: a success raises `version` by exactly one and appends exactly the expected
activities; a refusal carries the expected code and leaves every row of the referral as it was.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any
from unittest.mock import ANY

import pytest
from sqlalchemy import select

from db.access import Viewer
from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode, Refused
from db.tables import (
    activity,
    additional_information,
    customer_profile,
    customer_requirements,
    participant,
    participant_user,
    referral,
)
from db.values import ReferralPatch
from db.writes import add_note, answer_invitation, change_status, invite_participant
from db.writes import update_referral as update_referral_rule
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor

NOW = START
WINDOW = timedelta(days=14)
LOST_REASON = "Customer went with a competitor"
REJECT_REASON = "Not our region"
NOTE_TEXT = "Called the customer, demo next week"
NEW_NAME = "New name"

Row = dict[str, Any]
Snapshot = dict[str, list[Row]]


class Action(Enum):
    ACTIVATE = "ACTIVATE"
    WIN = "WIN"
    LOSE = "LOSE"
    UPDATE = "UPDATE"
    NOTE = "NOTE"
    INVITE = "INVITE"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class Role(Enum):
    """How the acting organization takes part in the referral."""

    OWNER = "OWNER"  # created it: an ACCEPTED participant
    ACCEPTED = "ACCEPTED"  # another organization whose invitation was accepted
    INVITED = "INVITED"  # an open invitation, inside its window
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"  # stored INVITED, but past expires_date at NOW: expiry is by time
    MISSED = "MISSED"
    STRANGER = "STRANGER"  # no participation at all


ANSWERS = frozenset({Action.ACCEPT, Action.REJECT})
CHANGES = frozenset(Action) - ANSWERS
CLOSED = frozenset({ReferralStatus.WON, ReferralStatus.LOST})

# DOMAIN.md "Lifecycle": PENDING -> ACTIVE | LOST, ACTIVE -> WON | LOST; WON and LOST terminal.
SPEC_TRANSITIONS: Mapping[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PENDING: frozenset({ReferralStatus.ACTIVE, ReferralStatus.LOST}),
    ReferralStatus.ACTIVE: frozenset({ReferralStatus.WON, ReferralStatus.LOST}),
    ReferralStatus.WON: frozenset(),
    ReferralStatus.LOST: frozenset(),
}
STATUS_TARGET: Mapping[Action, ReferralStatus] = {
    Action.ACTIVATE: ReferralStatus.ACTIVE,
    Action.WIN: ReferralStatus.WON,
    Action.LOSE: ReferralStatus.LOST,
}


def expected_refusal(status: ReferralStatus, action: Action, role: Role) -> RefusalCode | None:
    """The code DOMAIN.md demands for this case, or None when the write must succeed.

    Checks apply in this order, the first failing one answers:
    visibility (NOT_FOUND) -> expectedVersion (CONFLICT, not exercised here) -> who may act
    (NOT_AUTHORIZED) -> closed referral (INVALID_TRANSITION) -> the transition itself.
    """
    # An organization sees a referral only while it is a participant of it; anything else
    # answers exactly as a referral (or invitation) that does not exist.
    if role is Role.STRANGER:
        return RefusalCode.NOT_FOUND
    if action in ANSWERS:
        # Only the invited organization answers its invitation: the owner answering the
        # INVITED organization's invitation is refused before anything else is looked at.
        if role is Role.OWNER:
            return RefusalCode.NOT_AUTHORIZED
        # WON and LOST are terminal: nothing about the referral changes any more.
        if status in CLOSED:
            return RefusalCode.INVALID_TRANSITION
        # Its own invitation was already answered or ended: no second answer.
        if role in (Role.ACCEPTED, Role.REJECTED, Role.MISSED):
            return RefusalCode.INVALID_TRANSITION
        # An answer after expiry is refused.
        if role is Role.EXPIRED:
            return RefusalCode.INVITATION_EXPIRED
        return None
    # Only ACCEPTED participants change status, edit the referral, add notes or invite.
    if role not in (Role.OWNER, Role.ACCEPTED):
        return RefusalCode.NOT_AUTHORIZED
    if status in CLOSED:
        return RefusalCode.INVALID_TRANSITION
    target = STATUS_TARGET.get(action)
    if target is not None and target not in SPEC_TRANSITIONS[status]:
        return RefusalCode.INVALID_TRANSITION
    return None


def expected_status(status: ReferralStatus, action: Action) -> ReferralStatus:
    """The referral status after a successful action."""
    if action in STATUS_TARGET:
        return STATUS_TARGET[action]
    # The first acceptance of an invitation activates a PENDING referral.
    if action is Action.ACCEPT and status is ReferralStatus.PENDING:
        return ReferralStatus.ACTIVE
    return status


CASES = [
    pytest.param(status, action, role, id=f"{status.name}-{action.name}-{role.name}")
    for status in ReferralStatus
    for action in Action
    for role in Role
]


# --- scenarios ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    referral_id: uuid.UUID
    owner_participant_id: uuid.UUID
    actor: Actor
    actor_participant_id: uuid.UUID | None  # the acting organization's own participant row
    invitation_id: uuid.UUID | None  # the invitation an ACCEPT/REJECT answers
    fresh: Actor  # an uninvolved organization, for INVITE

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.actor.organization_id, self.actor.user_id, NOW)


# Participant status stored, and when the invitation was sent (window: 14 days).
_ROLE_ROWS: Mapping[Role, tuple[ParticipantStatus, timedelta]] = {
    Role.ACCEPTED: (ParticipantStatus.ACCEPTED, timedelta(days=10)),
    Role.INVITED: (ParticipantStatus.INVITED, timedelta(days=1)),  # expires NOW + 13 days
    Role.REJECTED: (ParticipantStatus.REJECTED, timedelta(days=10)),
    Role.EXPIRED: (ParticipantStatus.INVITED, timedelta(days=20)),  # expired NOW - 6 days
    Role.MISSED: (ParticipantStatus.MISSED, timedelta(days=10)),
}


async def build(database: Database, status: ReferralStatus, action: Action, role: Role) -> Scenario:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        fresh = await make_actor(conn, "Fresh")
        rows = await make_referral(conn, owner, created=NOW - timedelta(days=30), status=status)
        actor = owner
        actor_participant_id: uuid.UUID | None = rows.owner_participant_id
        if role is Role.STRANGER:
            actor, actor_participant_id = await make_actor(conn, "Stranger"), None
        elif role is not Role.OWNER:
            stored, ago = _ROLE_ROWS[role]
            actor = await make_actor(conn, f"Partner {role.name}")
            actor_participant_id = await make_participant(
                conn,
                rows.id,
                actor,
                invited_by=rows.owner_participant_id,
                invited=NOW - ago,
                status=stored,
                window=WINDOW,
            )
        invitation_id = actor_participant_id
        if action in ANSWERS and role in (Role.OWNER, Role.STRANGER):
            # They have no invitation of their own: they try the INVITED organization's.
            invited = await make_actor(conn, "Invited")
            invitation_id = await make_participant(
                conn,
                rows.id,
                invited,
                invited_by=rows.owner_participant_id,
                invited=NOW - timedelta(days=1),
                window=WINDOW,
            )
    return Scenario(
        rows.id, rows.owner_participant_id, actor, actor_participant_id, invitation_id, fresh
    )


async def perform(
    database: Database,
    scenario: Scenario,
    action: Action,
    *,
    referral_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> uuid.UUID | None:
    """Run the action as the scenario's actor; the id a rule answers, if any."""
    viewer = scenario.viewer
    target = referral_id or scenario.referral_id
    if action in STATUS_TARGET:
        await change_status(
            database,
            viewer,
            target,
            STATUS_TARGET[action],
            reason=LOST_REASON if action is Action.LOSE else None,
            expected_version=expected_version,
        )
        return None
    if action is Action.UPDATE:
        await update_referral_rule(
            database,
            viewer,
            target,
            ReferralPatch(name=NEW_NAME),
            expected_version=expected_version,
        )
        return None
    if action is Action.NOTE:
        return await add_note(
            database, viewer, target, NOTE_TEXT, expected_version=expected_version
        )
    if action is Action.INVITE:
        return await invite_participant(
            database,
            viewer,
            target,
            scenario.fresh.organization_id,
            window=WINDOW,
            expected_version=expected_version,
        )
    answered = invitation_id or scenario.invitation_id
    assert answered is not None, "an answer needs an invitation"
    accept = action is Action.ACCEPT
    return await answer_invitation(
        database, viewer, answered, accept=accept, reason=None if accept else REJECT_REASON
    )


# --- snapshots ----------------------------------------------------------------------------


async def snapshot(database: Database, referral_id: uuid.UUID) -> Snapshot:
    """Every stored row that belongs to the referral, table by table, in a stable order."""
    participant_ids = select(participant.c.id).where(participant.c.referral_id == referral_id)
    queries = {
        "referral": select(referral).where(referral.c.id == referral_id),
        "customer_profile": select(customer_profile).where(
            customer_profile.c.referral_id == referral_id
        ),
        "customer_requirements": select(customer_requirements).where(
            customer_requirements.c.referral_id == referral_id
        ),
        "additional_information": select(additional_information).where(
            additional_information.c.referral_id == referral_id
        ),
        "participant": select(participant).where(participant.c.referral_id == referral_id),
        "participant_user": select(participant_user).where(
            participant_user.c.participant_id.in_(participant_ids)
        ),
        "activity": select(activity).where(activity.c.referral_id == referral_id),
    }
    tables: Snapshot = {}
    async with database.engine.connect() as conn:
        for name, query in queries.items():
            rows = (await conn.execute(query)).all()
            tables[name] = [dict(row._mapping) for row in sorted(rows, key=repr)]
    return tables


def by_id(rows: list[Row]) -> dict[uuid.UUID, Row]:
    return {row["id"]: row for row in rows}


def new_activities(before: Snapshot, after: Snapshot) -> list[Row]:
    """The activities appended by the write, after checking that none was changed or removed."""
    old, new = by_id(before["activity"]), by_id(after["activity"])
    assert {key: new.get(key) for key in old} == old, "the activity log is append-only"
    return [row for key, row in new.items() if key not in old]


def described(row: Row) -> tuple[Any, ...]:
    """An activity as (type, actor, subject, from, to, note, occurredDate)."""
    return (
        row["type"],
        row["actor_participant_id"],
        row["subject_participant_id"],
        row["from_status"],
        row["to_status"],
        row["note"],
        row["occurred_date"],
    )


def projection(rows: list[Row]) -> Counter[tuple[Any, ...]]:
    """Activities as a multiset of their descriptions: the log's order is not the point."""
    return Counter(described(row) for row in rows)


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
