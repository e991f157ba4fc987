"""The demo's users and referrals: each planned (`plan`), played (`story`), then written out."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from db.demo import customers, partner_center, places, plan, story
from db.demo.batch import Batch, Row
from db.demo.draws import Draws
from db.demo.organizations import DEMO_ORGANIZATIONS, DemoOrganization, DemoSize
from db.demo.plan import Cast, Plan
from db.demo.story import Story
from db.models import ReferralSource

_SOURCES = tuple(ReferralSource)
_SOURCE_WEIGHTS = (20, 40, 15, 25)


@dataclass(frozen=True)
class _User:
    id: uuid.UUID
    organization_id: uuid.UUID
    display_name: str
    email: str


class Generator(Draws):
    """Plans, plays and writes out referrals one after another, from one `random.Random`."""

    def __init__(self, rng: random.Random, now: datetime, size: DemoSize) -> None:
        super().__init__(rng, now)
        self.size = size
        pool_size = max(8, 2 * size.users_per_participant)
        self.users = [self._user_pool(org, pool_size) for org in DEMO_ORGANIZATIONS]

    def _user_pool(self, org: DemoOrganization, pool_size: int) -> list[_User]:
        domain = org.demo_user_email.rsplit("@", 1)[1]
        pool = [_User(org.demo_user_id, org.id, org.demo_user_name, org.demo_user_email)]
        emails = {org.demo_user_email}
        while len(pool) < pool_size:
            country = self.rng.choice(places.COUNTRIES)
            first = self.rng.choice(country.first_names)
            last = self.rng.choice(country.last_names)
            email = f"{places.to_ascii(first)}.{places.to_ascii(last)}@{domain}"
            if email in emails:
                continue
            emails.add(email)
            pool.append(_User(self.random_id(), org.id, f"{first} {last}", email))
        return pool

    def organization_rows(self) -> list[Row]:
        return [{"id": org.id, "name": org.name} for org in DEMO_ORGANIZATIONS]

    def user_rows(self) -> list[Row]:
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

    def referral(self, index: int, batch: Batch) -> None:
        """Append one referral, its parts, participants, their users and its history."""
        cast = plan.cast(self, self.size, index)
        planned = plan.plan(self, self.size, cast)
        played = story.play(self, cast, planned)
        self._rows(cast, planned, played, batch)

    def _rows(self, cast: Cast, plan: Plan, story: Story, batch: Batch) -> None:
        rng = self.rng
        at = plan.at
        referral_id = self.random_id()
        customer = customers.customer(self, referral_id, batch)
        batch.profiles[-1].update(
            partner_center.profile_fields(referral_id, customer.country.code, customer.city.state)
        )
        source = rng.choices(_SOURCES, _SOURCE_WEIGHTS)[0]
        batch.referrals.append(
            {
                "id": referral_id,
                "name": f"{customer.short_name} \N{EN DASH} {customer.deal}",
                "status": story.status,
                "status_reason": story.status_reason,
                "referral_source": source,
                "owner_organization_id": DEMO_ORGANIZATIONS[cast.owner].id,
                **partner_center.referral_fields(referral_id, cast.owner, source, len(story.orgs)),
                "version": story.version,
                "created_date": plan.created,
                "updated_date": at(story.activities[-1].offset),
            }
        )
        closed_on = at(plan.close_at).date() if plan.close_at >= 0 else None
        batch.additional.append(customers.additional(self, referral_id, customer, cast, closed_on))

        participant_ids = [self.random_id() for _ in story.orgs]
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
                    "id": self.activity_id(occurred, counter),
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


def _pick(ids: list[uuid.UUID], index: int | None) -> uuid.UUID | None:
    return None if index is None else ids[index]
