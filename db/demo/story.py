"""One referral's story played in memory by `db.rules`, as the writes would change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import rules
from db.demo import words
from db.demo.draws import WINDOW, Draws
from db.demo.plan import Cast, Plan
from db.models import ActivityType, ParticipantStatus, ReferralStatus

_ALL_CHANGES = words.CHANGES + words.DEAL_CHANGES


@dataclass
class Activity:
    """One entry of the story's history, by participant numbers."""

    offset: int  # seconds after the referral's creation
    type: ActivityType
    actor: int | None = None  # participant number; 0 is the owner
    subject: int | None = None
    from_status: ReferralStatus | None = None
    to_status: ReferralStatus | None = None
    note: str | None = None


class Story:
    """A referral changed only the way `db.writes` changes it, by `db.rules`, in memory.

    Participants are numbered in the order they were made, the owner 0; times are seconds after
    creation. Each method is one mutation: it checks what the write would refuse (here that
    would be a planning mistake), bumps the version once, and records the write's activities,
    side effects included, in the order the write records them.
    """

    def __init__(self, owner: int) -> None:
        self.status = ReferralStatus.PENDING
        self.status_reason: str | None = None
        self.version = 1
        self.orgs = [owner]
        self.states = [ParticipantStatus.ACCEPTED]
        self.inviters: list[int | None] = [None]
        self.invited_at = [0]
        self.responded_at = [0]  # -1: never answered
        self.expires_at = [-1]  # -1: never expires (the owner)
        self.notes: list[str | None] = [None]
        self.activities = [Activity(0, ActivityType.CREATED, 0, to_status=ReferralStatus.PENDING)]

    def accepted(self) -> list[int]:
        return [i for i, state in enumerate(self.states) if state is ParticipantStatus.ACCEPTED]

    def _change(self, offset: int, refusal: rules.Refusal | None) -> None:
        """What every write checks before changing anything, then its one version bump."""
        assert offset > self.activities[-1].offset, "changes follow one another"
        assert refusal is None, refusal.message  # the rules refuse it: a planning mistake
        self.version += 1

    def _record(self, offset: int, type_: ActivityType, **values: Any) -> None:
        self.activities.append(Activity(offset, type_, **values))

    def _expires(self, participant: int) -> int | None:
        return None if self.expires_at[participant] < 0 else self.expires_at[participant]

    def invite(self, offset: int, inviter: int, org: int, note: str | None) -> int:
        own = org == self.orgs[inviter]
        self._change(
            offset, rules.may_invite(self.status, self.states[inviter], own_organization=own)
        )
        for i, state in enumerate(self.states):
            # Inviting again stores the EXPIRED that time made true of a lapsed invitation.
            if self.orgs[i] == org and rules.lapsed(state, self._expires(i), offset):
                self.states[i] = ParticipantStatus.EXPIRED
                self._record(offset, ActivityType.INVITATION_EXPIRED, subject=i)
        participations = [s for i, s in enumerate(self.states) if self.orgs[i] == org]
        assert rules.may_invite_organization(participations) is None, "already taking part"
        invited = len(self.states)
        self.orgs.append(org)
        self.states.append(ParticipantStatus.INVITED)
        self.inviters.append(inviter)
        self.invited_at.append(offset)
        self.responded_at.append(-1)
        self.expires_at.append(offset + WINDOW)
        self.notes.append(note)
        self._record(
            offset, ActivityType.PARTICIPANT_INVITED, actor=inviter, subject=invited, note=note
        )
        return invited

    def answer(self, offset: int, invited: int, *, accept: bool, reason: str | None) -> None:
        self._change(
            offset,
            rules.may_answer(self.status, self.states[invited], self._expires(invited), offset),
        )
        activates = rules.activates(self.status, accept=accept)
        if activates:
            self.status = ReferralStatus.ACTIVE
        self.states[invited], type_ = rules.answered(accept=accept)
        self.responded_at[invited] = offset
        self._record(
            offset,
            type_,
            actor=invited,
            subject=invited,
            from_status=ReferralStatus.PENDING if activates else None,
            to_status=ReferralStatus.ACTIVE if activates else None,
            note=reason,
        )

    def change_status(
        self, offset: int, actor: int, status: ReferralStatus, reason: str | None
    ) -> None:
        assert rules.status_reason_refusal(status, reason) is None, "a reason for LOST only"
        self._change(offset, rules.may_change_status(self.status, self.states[actor], status))
        self._record(
            offset,
            ActivityType.STATUS_CHANGED,
            actor=actor,
            from_status=self.status,
            to_status=status,
            note=reason,
        )
        self.status, self.status_reason = status, reason
        if status in rules.CLOSED:
            for i, state in enumerate(self.states):
                if state is ParticipantStatus.INVITED:
                    self.states[i], kind = rules.ended_by_close(self._expires(i), offset)
                    self._record(offset, kind, subject=i)

    def add_note(self, offset: int, actor: int, text: str) -> None:
        self._change(offset, rules.may_change(self.status, self.states[actor]))
        self._record(offset, ActivityType.NOTE_ADDED, actor=actor, note=text)

    def update(self, offset: int, actor: int, changed: tuple[str, ...]) -> None:
        self._change(offset, rules.may_change(self.status, self.states[actor]))
        self._record(
            offset, ActivityType.UPDATED, actor=actor, note=rules.update_note(changed, str)
        )


def play(draws: Draws, cast: Cast, plan: Plan) -> Story:
    """The plan as a sequence of mutations, each by someone allowed to make it."""
    rng = draws.rng
    story = Story(cast.owner)
    steps: list[tuple[int, str, int]] = []
    for k, invitation in enumerate(plan.invitations):
        steps.append((invitation.at, "invite", k))
        if invitation.answer != "none":
            steps.append((invitation.answered_at, invitation.answer, k))
    if plan.activate_at >= 0:
        steps.append((plan.activate_at, "activate", -1))
    if plan.close_at >= 0:
        steps.append((plan.close_at, "close", -1))
    steps += [(offset, "filler", -1) for offset in plan.fillers]
    for offset, kind, k in sorted(steps):
        if kind == "invite":
            # Mostly the owner invites; partners who accepted bring in others too.
            partners = story.accepted()[1:]
            inviter = rng.choice(partners) if partners and rng.random() < 0.3 else 0
            note = rng.choice(words.INVITATION_NOTES) if rng.random() < 0.4 else None
            invited = story.invite(offset, inviter, plan.invitations[k].org, note)
            assert invited == k + 1
        elif kind in ("accept", "reject"):
            reason = None
            if kind == "reject" and rng.random() < 0.6:
                reason = rng.choice(words.REJECTION_REASONS)
            story.answer(offset, k + 1, accept=kind == "accept", reason=reason)
        elif kind == "activate":
            actor = rng.choice(story.accepted())
            story.change_status(offset, actor, ReferralStatus.ACTIVE, None)
        elif kind == "close":
            if cast.status is ReferralStatus.LOST:
                reason = rng.choice(words.LOST_REASONS)
            else:
                reason = rng.choice(words.WON_REASONS) if rng.random() < 0.4 else None
            story.change_status(offset, rng.choice(story.accepted()), cast.status, reason)
        elif rng.random() < 0.6:
            story.add_note(offset, rng.choice(story.accepted()), rng.choice(words.NOTES))
        else:
            changes = _ALL_CHANGES if cast.has_deal_value else words.CHANGES
            story.update(offset, rng.choice(story.accepted()), rng.choice(changes))
    assert story.status is cast.status, "the plan did not reach its status"
    return story
