"""Deterministic demo data for the referral graph, inserted with Core bulk inserts.

Each referral's rows are what a sequence of the real mutations (`db.writes`) leaves behind.
`_Generator` plans a story (who is invited when, who answers, when it closes), `_Story` plays it
by the rules of the writes (who may act, the lifecycle's transitions, one version per change,
the side effects of closing and of inviting again), and the outcome is inserted in bulk.
The words the data is made of live in `db.demo_words`.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import demo_words as words
from db.models import ActivityType, ParticipantStatus, ReferralSource, ReferralStatus
from db.rules import CLOSED, TRANSITIONS
from db.tables import (
    activity,
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    organization,
    participant,
    participant_user,
    referral,
)

# Durations are in seconds unless they are timedeltas.
_BATCH_REFERRALS = 1000
_HISTORY = timedelta(days=540)  # about 18 months
_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WINDOW = 14 * _DAY  # the API's default invitation window (Settings.invitation_window)
_MAX_ACTIVITIES = 1000  # per referral: activity ids count a referral's entries in 12 bits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- public API ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganization:
    """A partner organization of the demo, with one user whose id never changes."""

    id: uuid.UUID
    name: str
    demo_user_id: uuid.UUID
    demo_user_name: str
    demo_user_email: str


# Fixed ids, so tokens minted for the demo users keep working across reloads and machines.
# The first two are the organizations `make run` prints bearer tokens for.
DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        id=uuid.UUID("cc2f073e-ae31-46e4-8601-62adc795f503"),
        name="Contoso Consulting",
        demo_user_id=uuid.UUID("9c2d35a8-3544-417c-9935-57d1619be207"),
        demo_user_name="Avery Brooks",
        demo_user_email="avery.brooks@contoso-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("38b0171e-67a6-426a-b586-c82754e7ac91"),
        name="Fabrikam Cloud Partners",
        demo_user_id=uuid.UUID("493e9b49-821b-4e10-b60b-8737ff2d9c87"),
        demo_user_name="Jonas Müller",
        demo_user_email="jonas.mueller@fabrikam-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("25ffe7e0-282f-4c09-8124-7e266d19b77e"),
        name="Northwind Systems Integration",
        demo_user_id=uuid.UUID("6b0992cf-0f1b-4912-a119-0fd09afa4f83"),
        demo_user_name="Priya Raman",
        demo_user_email="priya.raman@northwind-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("cd0ff4f5-bb40-434d-b5cf-7709be6f297e"),
        name="Adatum Digital",
        demo_user_id=uuid.UUID("88d0b42b-0eff-4526-b11b-0db4e4cabe81"),
        demo_user_name="Kenji Watanabe",
        demo_user_email="kenji.watanabe@adatum-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("e425a113-0784-488d-8be9-abe639c45855"),
        name="Tailspin IT Services",
        demo_user_id=uuid.UUID("48706429-3654-4cbe-b9e0-5cfa1146e298"),
        demo_user_name="Camille Dubois",
        demo_user_email="camille.dubois@tailspin-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("3783c114-bd5f-4b4a-a70d-014eedc9f18b"),
        name="Woodgrove Advisory",
        demo_user_id=uuid.UUID("98d2ee88-440d-4f18-9fa6-9753fe12bc1e"),
        demo_user_name="Lucas Oliveira",
        demo_user_email="lucas.oliveira@woodgrove-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("60cd32e6-4aff-439c-b408-a4888630b5d1"),
        name="Litware Solutions",
        demo_user_id=uuid.UUID("d35c27cb-fb8a-4264-adce-7689542f152b"),
        demo_user_name="Zoë de Vries",
        demo_user_email="zoe.devries@litware-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("821d7cd5-3330-4470-84ba-73d8be945f06"),
        name="Proseware Managed Services",
        demo_user_id=uuid.UUID("68f5d5de-50ca-428e-9b9b-cb7ca877b8e0"),
        demo_user_name="Olivia Chen",
        demo_user_email="olivia.chen@proseware-example.com",
    ),
)


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to make."""

    referrals: int = 300
    # Organizations taking part, the owner included. An organization invited again after its
    # invitation lapsed has a second participant row (the first one EXPIRED).
    participants_per_referral: int = 3
    users_per_participant: int = 2
    activities_per_referral: int = 5  # at least this many history entries (CREATED first)

    def __post_init__(self) -> None:
        if self.referrals < 0:
            raise ValueError("referrals must not be negative")
        if not 1 <= self.participants_per_referral <= len(DEMO_ORGANIZATIONS):
            raise ValueError(
                f"participants_per_referral must be between 1 and {len(DEMO_ORGANIZATIONS)}"
                " (organizations taking part, the owner included)"
            )
        if self.users_per_participant < 1:
            raise ValueError("users_per_participant must be at least 1")
        if not 1 <= self.activities_per_referral <= _MAX_ACTIVITIES:
            raise ValueError(
                f"activities_per_referral must be between 1 (CREATED) and {_MAX_ACTIVITIES}"
            )


async def load_demo(
    conn: AsyncConnection, *, now: datetime, size: DemoSize = DemoSize(), seed: int = 7
) -> int:
    """Insert organizations, users and `size.referrals` referrals; returns referrals inserted."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = _Generator(random.Random(seed), now.astimezone(UTC), size)
    await _insert_missing(conn, organization, generator.organization_rows())
    await _insert_missing(conn, app_user, generator.user_rows())
    batch = _Batch()
    for index in range(size.referrals):
        generator.referral(index, batch)
        # Bounded batches keep memory flat for big loads (the benchmark asks for 10,000).
        if (index + 1) % _BATCH_REFERRALS == 0:
            await batch.flush(conn)
    await batch.flush(conn)
    return size.referrals


async def has_data(conn: AsyncConnection) -> bool:
    """Whether any referral exists, so demo data is loaded only into an empty database."""
    found = await conn.execute(select(referral.c.id).limit(1))
    return found.first() is not None


# --- generation ----------------------------------------------------------------------------

_STATUSES = tuple(ReferralStatus)
_SOURCES = tuple(ReferralSource)
_SOURCE_WEIGHTS = (20, 40, 15, 25)
_ALL_CHANGES = words.CHANGES + words.DEAL_CHANGES

_Answer = Literal["accept", "reject", "none"]
_Activation = Literal["acceptance", "manual", "never"]
_NO_ACCEPTANCE: tuple[_Answer, ...] = ("reject", "none")
_ANY_ANSWER: tuple[_Answer, ...] = ("accept", "reject", "none")
_Row = dict[str, Any]


@dataclass
class _Batch:
    """Rows waiting to be inserted, one list per table."""

    referrals: list[_Row] = field(default_factory=list)
    profiles: list[_Row] = field(default_factory=list)
    requirements: list[_Row] = field(default_factory=list)
    additional: list[_Row] = field(default_factory=list)
    participants: list[_Row] = field(default_factory=list)
    participant_users: list[_Row] = field(default_factory=list)
    activities: list[_Row] = field(default_factory=list)

    async def flush(self, conn: AsyncConnection) -> None:
        # Parents before children: foreign keys are checked row by row on SQLite.
        for table, rows in (
            (referral, self.referrals),
            (customer_profile, self.profiles),
            (customer_requirements, self.requirements),
            (additional_information, self.additional),
            (participant, self.participants),
            (participant_user, self.participant_users),
            (activity, self.activities),
        ):
            if rows:
                await conn.execute(table.insert(), rows)
                rows.clear()


async def _insert_missing(conn: AsyncConnection, table: Table, rows: list[_Row]) -> None:
    # Organizations and users have fixed or seed-derived ids: a second load (another size or
    # after deleting referrals) reuses them instead of failing on their primary keys.
    ids = [row["id"] for row in rows]
    existing = set((await conn.execute(select(table.c.id).where(table.c.id.in_(ids)))).scalars())
    missing = [row for row in rows if row["id"] not in existing]
    if missing:
        await conn.execute(table.insert(), missing)


# --- one referral's story, by the rules of db.writes -----------------------------------------


@dataclass
class _Activity:
    offset: int  # seconds after the referral's creation
    type: ActivityType
    actor: int | None = None  # participant number; 0 is the owner
    subject: int | None = None
    from_status: ReferralStatus | None = None
    to_status: ReferralStatus | None = None
    note: str | None = None


class _Story:
    """A referral changed only the way `db.writes` changes it, in memory.

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
        self.activities = [_Activity(0, ActivityType.CREATED, 0, to_status=ReferralStatus.PENDING)]

    def accepted(self) -> list[int]:
        return [i for i, state in enumerate(self.states) if state is ParticipantStatus.ACCEPTED]

    def _change(self, offset: int, actor: int | None) -> None:
        """What every write checks before changing anything, then its one version bump."""
        assert offset > self.activities[-1].offset, "changes follow one another"
        assert self.status not in CLOSED, "closed referrals do not change"
        assert actor is None or self.states[actor] is ParticipantStatus.ACCEPTED, "not accepted"
        self.version += 1

    def _record(self, offset: int, type_: ActivityType, **values: Any) -> None:
        self.activities.append(_Activity(offset, type_, **values))

    def invite(self, offset: int, inviter: int, org: int, note: str | None) -> int:
        self._change(offset, inviter)
        assert org != self.orgs[0], "the owner takes part already"
        for i, state in enumerate(self.states):
            # Inviting again stores the EXPIRED that time made true of a lapsed invitation.
            lapsed = state is ParticipantStatus.INVITED and self.expires_at[i] <= offset
            if self.orgs[i] == org and lapsed:
                self.states[i] = ParticipantStatus.EXPIRED
                self._record(offset, ActivityType.INVITATION_EXPIRED, subject=i)
        assert not any(
            self.orgs[i] == org and state in (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED)
            for i, state in enumerate(self.states)
        ), "that organization is already taking part"
        invited = len(self.states)
        self.orgs.append(org)
        self.states.append(ParticipantStatus.INVITED)
        self.inviters.append(inviter)
        self.invited_at.append(offset)
        self.responded_at.append(-1)
        self.expires_at.append(offset + _WINDOW)
        self.notes.append(note)
        self._record(
            offset, ActivityType.PARTICIPANT_INVITED, actor=inviter, subject=invited, note=note
        )
        return invited

    def answer(self, offset: int, invited: int, *, accept: bool, reason: str | None) -> None:
        self._change(offset, None)
        assert self.states[invited] is ParticipantStatus.INVITED, "answered already"
        assert offset < self.expires_at[invited], "the invitation expired"
        activates = accept and self.status is ReferralStatus.PENDING
        if activates:
            self.status = ReferralStatus.ACTIVE
        self.states[invited] = ParticipantStatus.ACCEPTED if accept else ParticipantStatus.REJECTED
        self.responded_at[invited] = offset
        self._record(
            offset,
            ActivityType.INVITATION_ACCEPTED if accept else ActivityType.INVITATION_REJECTED,
            actor=invited,
            subject=invited,
            from_status=ReferralStatus.PENDING if activates else None,
            to_status=ReferralStatus.ACTIVE if activates else None,
            note=reason,
        )

    def change_status(
        self, offset: int, actor: int, status: ReferralStatus, reason: str | None
    ) -> None:
        assert (reason is not None) == (status is ReferralStatus.LOST) or (
            status is ReferralStatus.WON
        ), "a reason is required for LOST and given only when closing"
        self._change(offset, actor)
        assert status in TRANSITIONS[self.status], "not a transition of the lifecycle"
        self._record(
            offset,
            ActivityType.STATUS_CHANGED,
            actor=actor,
            from_status=self.status,
            to_status=status,
            note=reason,
        )
        self.status, self.status_reason = status, reason
        if status in CLOSED:
            # Unanswered invitations end with the referral: MISSED, or EXPIRED if past due.
            for i, state in enumerate(self.states):
                if state is ParticipantStatus.INVITED:
                    expired = self.expires_at[i] <= offset
                    self.states[i] = (
                        ParticipantStatus.EXPIRED if expired else ParticipantStatus.MISSED
                    )
                    kind = (
                        ActivityType.INVITATION_EXPIRED
                        if expired
                        else ActivityType.INVITATION_MISSED
                    )
                    self._record(offset, kind, subject=i)

    def add_note(self, offset: int, actor: int, text: str) -> None:
        self._change(offset, actor)
        self._record(offset, ActivityType.NOTE_ADDED, actor=actor, note=text)

    def update(self, offset: int, actor: int, changed: tuple[str, ...]) -> None:
        self._change(offset, actor)
        self._record(
            offset, ActivityType.UPDATED, actor=actor, note="Changed " + ", ".join(changed)
        )


# --- planning -------------------------------------------------------------------------------


class _Cast(NamedTuple):
    """Who takes part in a referral and how its story goes."""

    owner: int  # index in DEMO_ORGANIZATIONS
    invited: list[int]  # the organizations invited, in the order first invited
    status: ReferralStatus
    activation: _Activation  # how it became ACTIVE, if it did
    showcase: bool  # the first invitation must still be open now
    has_deal_value: bool


@dataclass
class _Invitation:
    """One invitation to plan: a participant row of an invited organization."""

    org: int
    at: int  # seconds after creation
    answer: _Answer = "none"
    answered_at: int = -1
    lapses: bool = False  # left unanswered past its window, then its organization is invited again


@dataclass
class _Plan:
    """When each change happens, in seconds after creation, and when the referral was created."""

    invitations: list[_Invitation]  # in time order: participant i + 1 is invitation i
    activate_at: int  # the owner's own PENDING -> ACTIVE, or -1
    close_at: int  # or -1
    fillers: list[int]  # notes and edits
    created: datetime

    def at(self, offset: int) -> datetime:
        return self.created + timedelta(seconds=offset)


@dataclass(frozen=True)
class _User:
    id: uuid.UUID
    organization_id: uuid.UUID
    display_name: str
    email: str


class _Generator:
    """Draws every value from one `random.Random`, so a seed fixes the data, ids included."""

    def __init__(self, rng: random.Random, now: datetime, size: DemoSize) -> None:
        self.rng = rng
        # Whole seconds read better in the demo and still never pass `now`.
        self.now = now.replace(microsecond=0)
        self.size = size
        pool_size = max(8, 2 * size.users_per_participant)
        self.users = [self._user_pool(org, pool_size) for org in DEMO_ORGANIZATIONS]

    # --- organizations and users ---

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _activity_id(self, occurred: datetime, counter: int) -> uuid.UUID:
        """A UUIDv7 like `db.ids.uuid7`: the time, then the referral's entry count, then random.

        Entries sharing an instant (a change and its side effects) still sort as recorded.
        """
        milliseconds = (occurred - _EPOCH) // timedelta(milliseconds=1)
        tail = self.rng.getrandbits(62)
        value = (milliseconds << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail
        return uuid.UUID(int=value)

    def _user_pool(self, org: DemoOrganization, pool_size: int) -> list[_User]:
        domain = org.demo_user_email.rsplit("@", 1)[1]
        pool = [_User(org.demo_user_id, org.id, org.demo_user_name, org.demo_user_email)]
        emails = {org.demo_user_email}
        while len(pool) < pool_size:
            country = self.rng.choice(words.COUNTRIES)
            first = self.rng.choice(country.first_names)
            last = self.rng.choice(country.last_names)
            email = f"{words.to_ascii(first)}.{words.to_ascii(last)}@{domain}"
            if email in emails:
                continue
            emails.add(email)
            pool.append(_User(self._uuid(), org.id, f"{first} {last}", email))
        return pool

    def organization_rows(self) -> list[_Row]:
        return [{"id": org.id, "name": org.name} for org in DEMO_ORGANIZATIONS]

    def user_rows(self) -> list[_Row]:
        return [
            {
                "id": user.id,
                "organization_id": user.organization_id,
                "display_name": user.display_name,
                "email": user.email,
            }
            for pool in self.users
            for user in pool
        ]

    # --- small draws ---

    def _digits(self, template: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else c for c in template)

    def _fill(self, template: str) -> str:
        return template.format(n=self.rng.randint(2, 30), L=self.rng.choice("ABCD"))

    def _free(self, used: set[int], low: int, high: int) -> int:
        # Distinct seconds per referral keep its changes strictly ordered without ties.
        while True:
            value = self.rng.randint(low, high)
            if value not in used:
                used.add(value)
                return value

    # --- referrals ---

    def referral(self, index: int, batch: _Batch) -> None:
        """Append one referral, its parts, participants, their users and its history."""
        cast = self._cast(index)
        plan = self._plan(cast)
        story = self._play(cast, plan)
        self._rows(cast, plan, story, batch)

    def _cast(self, index: int) -> _Cast:
        rng = self.rng
        organizations = len(DEMO_ORGANIZATIONS)
        invited_count = self.size.participants_per_referral - 1
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
            status = rng.choices(_STATUSES, weights)[0]
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
        activation: _Activation
        if status is ReferralStatus.PENDING or (
            status is ReferralStatus.LOST and rng.random() < 0.35
        ):
            activation = "never"
        elif can_accept and rng.random() < 0.8:
            activation = "acceptance"
        else:
            activation = "manual"
        return _Cast(owner, invited, status, activation, showcase, rng.random() < 0.75)

    def _plan(self, cast: _Cast) -> _Plan:
        """When invitations, answers, activation and closing happen, then when it all began."""
        rng = self.rng
        closed = cast.status in CLOSED
        # Open referrals are often recent, so that many invitations are still open now.
        recent = cast.showcase or (not closed and rng.random() < 0.45)
        used = {0}  # seconds taken: each change gets its own
        invitations: list[_Invitation] = []
        cursor = 0
        for org in cast.invited:
            if recent:
                low, high = 5 * _MINUTE, 18 * _HOUR
            elif rng.random() < 0.25:
                low, high = 2 * _DAY, 30 * _DAY  # a partner brought in weeks later
            else:
                low, high = 5 * _MINUTE, 3 * _DAY
            cursor = self._free(used, cursor + low, cursor + high)
            invitations.append(_Invitation(org, cursor))
        if not recent:
            # Some invitations go unanswered, and their organization is invited again later.
            for first in list(invitations):
                if rng.random() < 0.2:
                    first.lapses = True
                    start = first.at + _WINDOW + _HOUR
                    invitations.append(
                        _Invitation(first.org, self._free(used, start, start + 20 * _DAY))
                    )
            invitations.sort(key=lambda invitation: invitation.at)

        # The showcase's first invitation stays open; an acceptance may activate the referral.
        answerable = [i for i in invitations[1 if cast.showcase else 0 :] if not i.lapses]
        acceptor = rng.choice(answerable) if cast.activation == "acceptance" else None
        slowest = (4 if recent else 13) * _DAY  # always inside the 14-day window
        for invitation in answerable:
            if invitation is acceptor:
                invitation.answer = "accept"
            elif cast.activation == "never":
                invitation.answer = rng.choices(_NO_ACCEPTANCE, (45, 55))[0]
            else:
                invitation.answer = rng.choices(_ANY_ANSWER, (40, 25, 35))[0]
            if invitation.answer != "none":
                low = invitation.at + 10 * _MINUTE
                invitation.answered_at = self._free(used, low, invitation.at + slowest)

        accepted = [i.answered_at for i in invitations if i.answer == "accept"]
        activated = min(accepted, default=-1) if cast.activation == "acceptance" else -1
        activate_at = -1
        if cast.activation == "manual":
            # Before any acceptance, or that acceptance would have activated it.
            last_invitation = max((i.at for i in invitations), default=0)
            high = min(accepted) - 1 if accepted else last_invitation + (2 if recent else 10) * _DAY
            activate_at = activated = self._free(used, _MINUTE, high)

        close_at = -1
        if closed:
            # Closing follows every invitation, and the activation when there was one.
            start = max([activated, *(i.at for i in invitations)], default=0)
            # Some close while later invitations are still open; most take weeks or months.
            longest = 12 * _DAY if rng.random() < 0.3 else (150 if activated >= 0 else 60) * _DAY
            close_at = self._free(used, start + _DAY, start + longest)
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
        latest = self.now - timedelta(seconds=span + rng.randint(_HOUR, 6 * _HOUR))
        if recent:
            # Late enough that the first unanswered invitation is still inside its window.
            waiting = [i.at for i in invitations if i.answer == "none"]
            earliest = self.now - timedelta(seconds=_WINDOW + min(waiting, default=0) - _HOUR)
        else:
            earliest = self.now - _HISTORY
        room = max(0, int((latest - earliest).total_seconds()))
        created = latest - timedelta(seconds=rng.randint(0, room))

        # Notes and edits by accepted participants, enough to reach the size asked for.
        answered = sum(i.answer != "none" for i in invitations)
        lapsed = sum(i.lapses for i in invitations)
        open_at_close = len(invitations) - answered - lapsed if closed else 0
        entries = 1 + len(invitations) + lapsed + answered + (activate_at >= 0) + closed
        entries += open_at_close
        count = max(0, self.size.activities_per_referral - entries) + rng.choice((0, 0, 1, 2))
        if closed:
            last = close_at - _MINUTE  # closed referrals never change again
        else:
            until_now = int((self.now - created).total_seconds()) - _MINUTE
            last = min(until_now, span + 90 * _DAY)
        fillers = [self._free(used, _MINUTE, last) for _ in range(count)]
        return _Plan(invitations, activate_at, close_at, fillers, created)

    def _play(self, cast: _Cast, plan: _Plan) -> _Story:
        """The plan as a sequence of mutations, each by someone allowed to make it."""
        rng = self.rng
        story = _Story(cast.owner)
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

    def _rows(self, cast: _Cast, plan: _Plan, story: _Story, batch: _Batch) -> None:
        rng = self.rng
        at = plan.at
        referral_id = self._uuid()
        customer = self._customer(referral_id, batch)
        batch.referrals.append(
            {
                "id": referral_id,
                "name": f"{customer.short_name} \N{EN DASH} {customer.deal}",
                "status": story.status,
                "status_reason": story.status_reason,
                "referral_source": rng.choices(_SOURCES, _SOURCE_WEIGHTS)[0],
                "owner_organization_id": DEMO_ORGANIZATIONS[cast.owner].id,
                "version": story.version,
                "created_date": plan.created,
                "updated_date": at(story.activities[-1].offset),
            }
        )
        closed_on = at(plan.close_at).date() if plan.close_at >= 0 else None
        batch.additional.append(self._additional(referral_id, customer, cast, closed_on))

        participant_ids = [self._uuid() for _ in story.orgs]
        for i, org in enumerate(story.orgs):
            responded, expires = story.responded_at[i], story.expires_at[i]
            batch.participants.append(
                {
                    "id": participant_ids[i],
                    "referral_id": referral_id,
                    "organization_id": DEMO_ORGANIZATIONS[org].id,
                    "status": story.states[i],
                    "invited_by_participant_id": _pick(participant_ids, story.inviters[i]),
                    "invited_date": at(story.invited_at[i]),
                    "responded_date": at(responded) if responded >= 0 else None,
                    "expires_date": at(expires) if expires >= 0 else None,
                    "note": story.notes[i],
                }
            )
            for position, user_id in enumerate(self._team(org)):
                batch.participant_users.append(
                    {"participant_id": participant_ids[i], "user_id": user_id, "position": position}
                )
        for counter, event in enumerate(story.activities):
            occurred = at(event.offset)
            batch.activities.append(
                {
                    "id": self._activity_id(occurred, counter),
                    "referral_id": referral_id,
                    "type": event.type,
                    "occurred_date": occurred,
                    "actor_participant_id": _pick(participant_ids, event.actor),
                    "subject_participant_id": _pick(participant_ids, event.subject),
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "note": event.note,
                }
            )

    def _team(self, org: int) -> list[uuid.UUID]:
        """Distinct users of the organization for one participant, often its demo user first."""
        pool = self.users[org]
        wanted = self.size.users_per_participant
        if self.rng.random() < 0.6:
            team = [pool[0], *self.rng.sample(pool[1:], wanted - 1)]
        else:
            team = self.rng.sample(pool, wanted)
        return [user.id for user in team]

    # --- the customer ---

    def _customer(self, referral_id: uuid.UUID, batch: _Batch) -> _Customer:
        """Append the customer's profile and requirements; return what the other rows reuse."""
        rng = self.rng
        country = rng.choices(words.COUNTRIES, words.COUNTRY_WEIGHTS)[0]
        city = rng.choice(country.cities)
        industry = rng.choice(words.INDUSTRY_NAMES)
        brand = rng.choice(country.brands if rng.random() < 0.5 else words.GLOBAL_BRANDS)
        short_name = f"{brand} {rng.choice(words.INDUSTRIES[industry])}"
        name = short_name
        if industry not in words.NO_LEGAL_FORM:
            name = f"{short_name} {rng.choice(country.legal_forms)}"
        if country.code == "JP":
            number = f"{rng.randint(1, 9)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
        else:
            number = str(rng.randint(1, 250))
        street = country.address.format(number=number, street=rng.choice(country.streets))
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        if rng.random() < 0.8:
            local = f"{words.to_ascii(first)}.{words.to_ascii(last)}"
        else:
            local = f"{words.to_ascii(first)[0]}{words.to_ascii(last)}"
        line2 = self._fill(rng.choice(country.line2)) if rng.random() < 0.4 else None
        batch.profiles.append(
            {
                "id": self._uuid(),
                "referral_id": referral_id,
                "name": name,
                "address_line1": street,
                "address_line2": line2,
                "city": city.name,
                "state": city.state,
                "postal_code": rng.choice(city.postal_codes),
                "country": country.code,
                "contact_first_name": first,
                "contact_last_name": last,
                "contact_email": f"{local}@{words.slug(brand)}-example.com",
                "contact_phone_number": self._digits(city.phone),
            }
        )

        product = rng.choice(words.PRODUCT_NAMES)
        deal = rng.choice(words.PRODUCTS[product])
        other_products = [p for p in words.PRODUCT_NAMES if p != product]
        other_industries = [i for i in words.INDUSTRY_NAMES if i != industry]
        solutions = None
        if rng.random() < 0.9:
            solutions = rng.choice(words.SOLUTIONS).format(
                Deal=deal[0].upper() + deal[1:],
                deal=deal,
                pilot=rng.choice((25, 50, 100, 200)),
                service=rng.choice(words.SERVICES).lower(),
            )
        batch.requirements.append(
            {
                "referral_id": referral_id,
                "industries": [industry, *rng.sample(other_industries, rng.randint(0, 1))],
                "products": [product, *rng.sample(other_products, rng.randint(0, 2))],
                "services": rng.sample(words.SERVICES, rng.randint(1, 3)),
                "solutions": solutions,
                "customer_need": rng.choice(words.CUSTOMER_NEEDS).format(
                    staff=rng.choice((40, 120, 350, 800, 2500, 12000)),
                    sites=rng.randint(2, 40),
                    city=city.name,
                    need=rng.choice(words.NEEDS),
                ),
            }
        )
        return _Customer(country, city, industry, short_name, deal)

    def _additional(
        self,
        referral_id: uuid.UUID,
        customer: _Customer,
        cast: _Cast,
        closed_on: date | None,
    ) -> _Row:
        rng = self.rng
        notes = None
        if rng.random() < 0.6:
            notes = rng.choice(words.ADDITIONAL_NOTES).format(
                city=customer.city.name,
                year=self.now.year % 100 + 1,
                industry=customer.industry.lower(),
            )
        deal_value = currency = None
        if cast.has_deal_value:
            country = customer.country
            if rng.random() < 0.6 or country.whole_units:
                cents = rng.randint(50, 5000) * 100_00  # round hundreds, as first quoted
            else:
                cents = rng.randint(100_000, 50_000_000)
            deal_value = Decimal(cents * country.deal_scale).scaleb(-2)
            currency = country.currency
        closing_date = None
        if cast.status is ReferralStatus.WON:
            closing_date = closed_on
        elif cast.status is not ReferralStatus.LOST and rng.random() < 0.7:
            # Open deals carry the date they are expected to close: a date ahead of today.
            closing_date = (self.now + timedelta(days=rng.randint(14, 210))).date()
        return {
            "referral_id": referral_id,
            "notes": notes,
            "deal_value": deal_value,
            "currency": currency,
            "closing_date": closing_date,
        }


class _Customer(NamedTuple):
    country: words.Country
    city: words.City
    industry: str
    short_name: str  # the name without its legal form, as deal names use it
    deal: str


def _pick(ids: list[uuid.UUID], index: int | None) -> uuid.UUID | None:
    return None if index is None else ids[index]
