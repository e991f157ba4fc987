"""The referral lifecycle as pure functions over plain values: who may do what, and what follows.

`db.writes` asks these before it writes, the demo (`db.demo`) plays its stories by them, and
the tests replay the demo's histories by them: the rules exist here only. Each `may_*` answers
None when the action is allowed, else the `Refusal` that explains why not, so that a field like
`viewerCan { update }` can ask the same question without trying the write. Checks come in the
order the API answers them: who acts (NOT_AUTHORIZED), then a closed referral, then the rest.

Times are whatever the caller counts in (datetimes in the writes, seconds in the demo), as
long as one call compares like with like.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from db.models import ActivityType, ParticipantStatus, ReferralStatus, ReferralSubstatus
from db.refusals import RefusalCode

# A moment: a datetime, or seconds since some start.
Moment = TypeVar("Moment", datetime, int)
# A changed field, however the caller identifies it.
F = TypeVar("F")


class Participation(Protocol):
    """A participant as the callers hold it (a row, a demo participant)."""

    @property
    def organization_id(self) -> uuid.UUID: ...

    @property
    def status(self) -> ParticipantStatus: ...


P = TypeVar("P", bound=Participation)

# Status changes a participant may ask for; accepting an invitation also activates.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PENDING: frozenset({ReferralStatus.ACTIVE, ReferralStatus.LOST}),
    ReferralStatus.ACTIVE: frozenset({ReferralStatus.WON, ReferralStatus.LOST}),
    ReferralStatus.WON: frozenset(),
    ReferralStatus.LOST: frozenset(),
}
CLOSED = frozenset({ReferralStatus.WON, ReferralStatus.LOST})
# Participations that keep an organization from being invited (again).
OPEN_PARTICIPATION = frozenset({ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the rules refuse an action: a stable code, a message, the input field concerned."""

    code: RefusalCode
    message: str
    field: tuple[str, ...] = ()


# --- who may act -----------------------------------------------------------------------------


def may_change(
    referral_status: ReferralStatus, actor_status: ParticipantStatus | None
) -> Refusal | None:
    """Whether an organization may update the referral or add a note to it.

    Only ACCEPTED participants change a referral, and only while it is open. `actor_status`
    is the organization's participation in it (None: it has none that counts).
    """
    if actor_status is not ParticipantStatus.ACCEPTED:
        return Refusal(
            RefusalCode.NOT_AUTHORIZED,
            "Only organizations that accepted the referral may change it.",
        )
    return _closed(referral_status)


def _closed(referral_status: ReferralStatus) -> Refusal | None:
    if referral_status in CLOSED:
        return Refusal(
            RefusalCode.INVALID_TRANSITION,
            f"The referral is {referral_status.value}: closed referrals do not change.",
        )
    return None


def may_change_status(
    referral_status: ReferralStatus,
    actor_status: ParticipantStatus | None,
    to_status: ReferralStatus | None = None,
) -> Refusal | None:
    """Whether an organization may move the referral to `to_status` (None: to any status)."""
    refusal = may_change(referral_status, actor_status)
    if refusal is not None:
        return refusal
    if to_status is not None and to_status not in TRANSITIONS[referral_status]:
        return Refusal(
            RefusalCode.INVALID_TRANSITION,
            f"A {referral_status.value} referral cannot become {to_status.value}.",
            field=("status",),
        )
    return None


def may_invite(
    referral_status: ReferralStatus,
    actor_status: ParticipantStatus | None,
    *,
    own_organization: bool = False,
) -> Refusal | None:
    """Whether an organization may invite another (`own_organization`: it names itself)."""
    refusal = may_change(referral_status, actor_status)
    if refusal is not None:
        return refusal
    if own_organization:
        return Refusal(
            RefusalCode.ALREADY_PARTICIPATING,
            "Your organization already takes part.",
            field=("organization_id",),
        )
    return None


def may_invite_organization(participations: Iterable[ParticipantStatus]) -> Refusal | None:
    """Whether an organization with these participations (lapsed ones stored EXPIRED) may be
    invited: one open (INVITED or ACCEPTED) participation at a time."""
    for status in participations:
        if status in OPEN_PARTICIPATION:
            return Refusal(
                RefusalCode.ALREADY_PARTICIPATING,
                f"That organization is already {status.value} on this referral.",
                field=("organization_id",),
            )
    return None


def may_answer(
    referral_status: ReferralStatus,
    invitation_status: ParticipantStatus,
    expires: Moment | None,
    now: Moment,
    *,
    invited: bool = True,
) -> Refusal | None:
    """Whether an organization may accept or reject an invitation now.

    Only the invited organization (`invited`) answers, only while the referral is open, the
    invitation INVITED and inside its window.
    """
    if not invited:
        return Refusal(
            RefusalCode.NOT_AUTHORIZED,
            "Only the invited organization answers its invitation.",
            field=("participant_id",),
        )
    refusal = _closed(referral_status)
    if refusal is not None:
        return refusal
    if invitation_status is not ParticipantStatus.INVITED:
        return Refusal(
            RefusalCode.INVALID_TRANSITION,
            f"The invitation was already answered: it is {invitation_status.value}.",
            field=("participant_id",),
        )
    if expires is not None and expires <= now:
        moment = expires.isoformat() if isinstance(expires, datetime) else str(expires)
        return Refusal(
            RefusalCode.INVITATION_EXPIRED,
            f"The invitation expired at {moment}.",
            field=("participant_id",),
        )
    return None


def status_path(start: ReferralStatus, to: ReferralStatus) -> list[ReferralStatus] | None:
    """The fewest status changes that lead from `start` to `to` (empty when already there),
    each allowed by TRANSITIONS; None when no path leads there (a closed referral, or back)."""
    paths: dict[ReferralStatus, list[ReferralStatus]] = {start: []}
    frontier = [start]
    while frontier:
        current = frontier.pop(0)
        if current is to:
            return paths[current]
        # Sorted by seed position (enum order), so the path is the same on every run.
        for following in sorted(TRANSITIONS[current], key=list(ReferralStatus).index):
            if following not in paths:
                paths[following] = [*paths[current], following]
                frontier.append(following)
    return None


def may_set_external_reference(owner: bool) -> Refusal | None:
    """Whether an organization that may change the referral may also set its
    externalReferenceId: the key is the owner's CRM key, so only the owner sets it."""
    if not owner:
        return Refusal(
            RefusalCode.NOT_AUTHORIZED,
            "Only the organization that owns the referral sets its externalReferenceId.",
            field=("external_reference_id",),
        )
    return None


# --- what input a change needs ---------------------------------------------------------------


def status_reason_refusal(status: ReferralStatus, reason: str | None) -> str | None:
    """What is wrong with a (cleaned) `reason` for moving to `status`, as a message about the
    reason field; None when it fits: LOST needs one, and only closing (WON, LOST) takes one."""
    if status is ReferralStatus.LOST and reason is None:
        return "is required to mark a referral LOST."
    if reason is not None and status not in CLOSED:
        return "is only given when closing (WON or LOST)."
    return None


# --- how a viewer sees it --------------------------------------------------------------------

# A participation that ended without working the referral reads so whatever the referral did.
_ENDED = {
    ParticipantStatus.REJECTED: ReferralSubstatus.DECLINED,
    ParticipantStatus.EXPIRED: ReferralSubstatus.EXPIRED,
    ParticipantStatus.MISSED: ReferralSubstatus.EXPIRED,
}


def substatus(
    referral_status: ReferralStatus, participant_status: ParticipantStatus | None, *, owner: bool
) -> ReferralSubstatus:
    """Partner Center's substatus of the referral as one organization sees it, from the
    referral's status and that organization's own participation (as read now: a lapsed
    invitation is EXPIRED; None: it has none) and whether it owns the referral.

    Its own ended invitation (REJECTED -> DECLINED, EXPIRED or MISSED -> EXPIRED) comes first;
    then a closed referral reads WON or LOST; an open invitation reads RECEIVED; an ACTIVE
    referral ACCEPTED; a PENDING one PENDING for its owner and ACCEPTED for a partner that
    accepted (which, as the first acceptance activates, does not last).
    """
    if participant_status in _ENDED:
        return _ENDED[participant_status]
    if referral_status is ReferralStatus.WON:
        return ReferralSubstatus.WON
    if referral_status is ReferralStatus.LOST:
        return ReferralSubstatus.LOST
    if participant_status is ParticipantStatus.INVITED:
        return ReferralSubstatus.RECEIVED
    if referral_status is ReferralStatus.PENDING and (owner or participant_status is None):
        return ReferralSubstatus.PENDING
    return ReferralSubstatus.ACCEPTED


def own_participation(participations: Sequence[P], organization_id: uuid.UUID) -> P | None:
    """The organization's participation among a referral's (statuses as they read now,
    earliest invited first): its open one (INVITED or ACCEPTED: there is at most one), else
    its latest; None if it has none. Whose eyes `substatus` and `viewerCan` look through."""
    own = [p for p in participations if p.organization_id == organization_id]
    open_ = [p for p in own if p.status in OPEN_PARTICIPATION]
    chosen = open_ or own
    return chosen[-1] if chosen else None


# --- what follows ----------------------------------------------------------------------------


def lapsed(status: ParticipantStatus, expires: Moment | None, now: Moment) -> bool:
    """Whether an invitation stored INVITED is past its window: EXPIRED by time."""
    return status is ParticipantStatus.INVITED and expires is not None and expires <= now


def activates(referral_status: ReferralStatus, *, accept: bool) -> bool:
    """Whether answering an invitation moves the referral to ACTIVE: the first acceptance."""
    return accept and referral_status is ReferralStatus.PENDING


def answered(*, accept: bool) -> tuple[ParticipantStatus, ActivityType]:
    """The invitation's status after the answer, and the activity that tells it."""
    if accept:
        return ParticipantStatus.ACCEPTED, ActivityType.INVITATION_ACCEPTED
    return ParticipantStatus.REJECTED, ActivityType.INVITATION_REJECTED


def ended_by_close(
    expires: Moment | None, closed_at: Moment
) -> tuple[ParticipantStatus, ActivityType]:
    """An open invitation ends with its referral: MISSED, or EXPIRED if already past due."""
    if expires is not None and expires <= closed_at:
        return ParticipantStatus.EXPIRED, ActivityType.INVITATION_EXPIRED
    return ParticipantStatus.MISSED, ActivityType.INVITATION_MISSED


def update_note(changed: Iterable[F], name: Callable[[F], str]) -> str:
    """The note of an UPDATED activity: the changed fields, each as `name` spells it (the API
    names them by its input paths, which `db` does not know)."""
    return "Changed " + ", ".join(name(field) for field in changed)
