"""A referral's plan: who takes part, and when each invitation, answer and close happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from db import rules
from db.demo.draws import DAY, HISTORY, HOUR, MINUTE, WINDOW, Draws
from db.demo.organizations import DEMO_ORGANIZATIONS, DemoSize
from db.models import ReferralStatus

STATUSES = tuple(ReferralStatus)
Answer = Literal["accept", "reject", "none"]
Activation = Literal["acceptance", "manual", "never"]
NO_ACCEPTANCE: tuple[Answer, ...] = ("reject", "none")
ANY_ANSWER: tuple[Answer, ...] = ("accept", "reject", "none")


class Cast(NamedTuple):
    """Who takes part in a referral and how its story goes."""

    owner: int  # index in DEMO_ORGANIZATIONS
    invited: list[int]  # the organizations invited, in the order first invited
    status: ReferralStatus
    activation: Activation  # how it became ACTIVE, if it did
    showcase: bool  # the first invitation must still be open now
    has_deal_value: bool


@dataclass
class Invitation:
    """One invitation to plan: a participant row of an invited organization."""

    org: int
    at: int  # seconds after creation
    answer: Answer = "none"
    answered_at: int = -1
    lapses: bool = False  # left unanswered past its window, then its organization is invited again


@dataclass
class Plan:
    """When each change happens, in seconds after creation, and when the referral was created."""

    invitations: list[Invitation]  # in time order: participant i + 1 is invitation i
    activate_at: int  # the owner's own PENDING -> ACTIVE, or -1
    close_at: int  # or -1
    fillers: list[int]  # notes and edits
    created: datetime

    def at(self, offset: int) -> datetime:
        return self.created + timedelta(seconds=offset)


def cast(draws: Draws, size: DemoSize, index: int) -> Cast:
    rng = draws.rng
    organizations = len(DEMO_ORGANIZATIONS)
    invited_count = size.participants_per_referral - 1
    showcase = index < 3 and invited_count >= 1
    if showcase:
        # The first referrals show contact masking: one demo org invited by the other.
        owner = 1 if index == 2 else 0
        status = ReferralStatus.ACTIVE if index == 1 else ReferralStatus.PENDING
        invited = [1 - owner]
    else:
        # The two demo organizations each own about a third of the referrals.
        draw = rng.random()
        owner = 0 if draw < 1 / 3 else 1 if draw < 2 / 3 else rng.randrange(2, organizations)
        weights = (25, 40, 20, 15) if invited_count else (50, 20, 15, 15)
        status = rng.choices(STATUSES, weights)[0]
        invited = []
    candidates = [i for i in range(organizations) if i != owner and i not in invited]
    while len(invited) < invited_count:
        # Demo organizations are invited more often, so their lists hold both roles.
        pick = rng.choices(candidates, [4 if i < 2 else 1 for i in candidates])[0]
        candidates.remove(pick)
        invited.append(pick)
    # Usually the first acceptance activates; sometimes the owner activates it by hand.
    # Some leads are lost before anyone accepted them.
    can_accept = invited_count > (1 if showcase else 0)
    activation: Activation
    if status is ReferralStatus.PENDING or (status is ReferralStatus.LOST and rng.random() < 0.35):
        activation = "never"
    elif can_accept and rng.random() < 0.8:
        activation = "acceptance"
    else:
        activation = "manual"
    return Cast(owner, invited, status, activation, showcase, rng.random() < 0.75)


def plan(draws: Draws, size: DemoSize, cast: Cast) -> Plan:
    """When invitations, answers, activation and closing happen, then when it all began."""
    rng = draws.rng
    closed = cast.status in rules.CLOSED
    # Open referrals are often recent, so that many invitations are still open now.
    recent = cast.showcase or (not closed and rng.random() < 0.45)
    used = {0}  # seconds taken: each change gets its own
    invitations: list[Invitation] = []
    cursor = 0
    for org in cast.invited:
        if recent:
            low, high = 5 * MINUTE, 18 * HOUR
        elif rng.random() < 0.25:
            low, high = 2 * DAY, 30 * DAY  # a partner brought in weeks later
        else:
            low, high = 5 * MINUTE, 3 * DAY
        cursor = draws.free(used, cursor + low, cursor + high)
        invitations.append(Invitation(org, cursor))
    if not recent:
        # Some invitations go unanswered, and their organization is invited again later.
        for first in list(invitations):
            if rng.random() < 0.2:
                first.lapses = True
                start = first.at + WINDOW + HOUR
                invitations.append(Invitation(first.org, draws.free(used, start, start + 20 * DAY)))
        invitations.sort(key=lambda invitation: invitation.at)

    # The showcase's first invitation stays open; an acceptance may activate the referral.
    answerable = [i for i in invitations[1 if cast.showcase else 0 :] if not i.lapses]
    acceptor = rng.choice(answerable) if cast.activation == "acceptance" else None
    slowest = (4 if recent else 13) * DAY  # always inside the 14-day window
    for invitation in answerable:
        if invitation is acceptor:
            invitation.answer = "accept"
        elif cast.activation == "never":
            invitation.answer = rng.choices(NO_ACCEPTANCE, (45, 55))[0]
        else:
            invitation.answer = rng.choices(ANY_ANSWER, (40, 25, 35))[0]
        if invitation.answer != "none":
            low = invitation.at + 10 * MINUTE
            invitation.answered_at = draws.free(used, low, invitation.at + slowest)

    accepted = [i.answered_at for i in invitations if i.answer == "accept"]
    activated = min(accepted, default=-1) if cast.activation == "acceptance" else -1
    activate_at = -1
    if cast.activation == "manual":
        # Before any acceptance, or that acceptance would have activated it.
        last_invitation = max((i.at for i in invitations), default=0)
        high = min(accepted) - 1 if accepted else last_invitation + (2 if recent else 10) * DAY
        activate_at = activated = draws.free(used, MINUTE, high)

    close_at = -1
    if closed:
        # Closing follows every invitation, and the activation when there was one.
        start = max([activated, *(i.at for i in invitations)], default=0)
        # Some close while later invitations are still open; most take weeks or months.
        longest = 12 * DAY if rng.random() < 0.3 else (150 if activated >= 0 else 60) * DAY
        close_at = draws.free(used, start + DAY, start + longest)
        for invitation in invitations:
            if invitation.answered_at > close_at:  # answers after closing never happened
                invitation.answer, invitation.answered_at = "none", -1

    span = max(
        close_at,
        activate_at,
        *(i.at for i in invitations),
        *(i.answered_at for i in invitations),
        0,
    )
    latest = draws.now - timedelta(seconds=span + rng.randint(HOUR, 6 * HOUR))
    if recent:
        # Late enough that the first unanswered invitation is still inside its window.
        waiting = [i.at for i in invitations if i.answer == "none"]
        earliest = draws.now - timedelta(seconds=WINDOW + min(waiting, default=0) - HOUR)
    else:
        earliest = draws.now - HISTORY
    room = max(0, int((latest - earliest).total_seconds()))
    created = latest - timedelta(seconds=rng.randint(0, room))

    # Notes and edits by accepted participants, enough to reach the size asked for.
    answered = sum(i.answer != "none" for i in invitations)
    lapsed = sum(i.lapses for i in invitations)
    open_at_close = len(invitations) - answered - lapsed if closed else 0
    entries = 1 + len(invitations) + lapsed + answered + (activate_at >= 0) + closed
    entries += open_at_close
    count = max(0, size.activities_per_referral - entries) + rng.choice((0, 0, 1, 2))
    if closed:
        last = close_at - MINUTE  # closed referrals never change again
    else:
        until_now = int((draws.now - created).total_seconds()) - MINUTE
        last = min(until_now, span + 90 * DAY)
    fillers = [draws.free(used, MINUTE, last) for _ in range(count)]
    return Plan(invitations, activate_at, close_at, fillers, created)
