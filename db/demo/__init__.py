"""Deterministic demo data for the referral graph, inserted with Core bulk inserts.

Each referral's rows are what a sequence of the real mutations (`db.writes`) leaves behind.
The generator plans a story (`plan`: who is invited when, who answers, when it closes),
`story` plays it by `db.rules` (who may act, the lifecycle's transitions, one version per
change, the side effects of closing and of inviting again), and the outcome is inserted in
bulk (`batch`). The words the data is made of live in `places` and `words`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.demo.batch import Batch, insert_missing
from db.demo.generator import Generator
from db.demo.organizations import DEMO_ORGANIZATIONS, DemoOrganization, DemoSize
from db.tables import app_user, organization, referral

__all__ = ["DEMO_ORGANIZATIONS", "DemoOrganization", "DemoSize", "has_data", "load_demo"]

_BATCH_REFERRALS = 1000
_DEFAULT_SIZE = DemoSize()


async def load_demo(
    conn: AsyncConnection, *, now: datetime, size: DemoSize = _DEFAULT_SIZE, seed: int = 7
) -> int:
    """Insert organizations, users and `size.referrals` referrals; returns referrals inserted."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = Generator(random.Random(seed), now.astimezone(UTC), size)
    await insert_missing(conn, organization, generator.organization_rows())
    await insert_missing(conn, app_user, generator.user_rows())
    batch = Batch()
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
