"""The seeded demo data the fuzzing draws real IDs from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.graph.relay.ids import to_global_id
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from db.tables import activity, app_user, customer_profile, participant, referral
from tests.conftest import START
from tests.helpers import Actor


@dataclass(frozen=True)
class Seed:
    actor: Actor  # the first demo organization's demo user
    global_ids: tuple[str, ...]  # every row of every node type, of every organization
    organization_ids: tuple[uuid.UUID, ...]


async def seed_demo(conn: AsyncConnection) -> Seed:
    await load_demo(conn, now=START, size=DemoSize(referrals=8, activities_per_referral=3))
    ids: list[str] = []
    for type_name, table in (
        ("Referral", referral),
        ("CustomerProfile", customer_profile),
        ("Participant", participant),
        ("User", app_user),
        ("Activity", activity),
    ):
        rows = (await conn.execute(select(table.c.id).order_by(table.c.id))).scalars().all()
        assert rows, f"the demo data has no {type_name}"
        ids.extend(to_global_id(type_name, pk) for pk in rows)
    demo = DEMO_ORGANIZATIONS[0]
    return Seed(
        Actor(demo.id, demo.demo_user_id),
        tuple(ids),
        tuple(org.id for org in DEMO_ORGANIZATIONS),
    )
