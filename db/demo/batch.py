"""Rows waiting to be inserted in bulk, one list per table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables import (
    activity,
    additional_information,
    customer_profile,
    customer_requirements,
    participant,
    participant_user,
    referral,
)

Row = dict[str, Any]


@dataclass
class Batch:
    """Rows waiting to be inserted, one list per table."""

    referrals: list[Row] = field(default_factory=list)
    profiles: list[Row] = field(default_factory=list)
    requirements: list[Row] = field(default_factory=list)
    additional: list[Row] = field(default_factory=list)
    participants: list[Row] = field(default_factory=list)
    participant_users: list[Row] = field(default_factory=list)
    activities: list[Row] = field(default_factory=list)

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


async def insert_missing(conn: AsyncConnection, table: Table, rows: list[Row]) -> None:
    # Organizations and users have fixed or seed-derived ids: a second load (another size or
    # after deleting referrals) reuses them instead of failing on their primary keys.
    ids = [row["id"] for row in rows]
    existing = set((await conn.execute(select(table.c.id).where(table.c.id.in_(ids)))).scalars())
    missing = [row for row in rows if row["id"] not in existing]
    if missing:
        await conn.execute(table.insert(), missing)
