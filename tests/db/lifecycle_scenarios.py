"""Lifecycle scenarios for the write tests: data per case, its action and expectation, snapshots."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import select

from db.access import Viewer
from db.engine import Database
from db.models import ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode
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
