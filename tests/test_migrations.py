"""Alembic owns the schema: the migrations build exactly the tables the models describe."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from db import migrate
from db.engine import Database, create_engine
from db.migrate import current_revision, head_revision
from db.tables import activity, participant, participant_user, referral
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral

FIRST_REVISION = "0001"


async def test_database_is_at_the_head_revision(database: Database) -> None:
    assert await current_revision(database.engine) == head_revision()


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_upgrades_keep_the_rows_of_a_populated_database(database_url: str) -> None:
    await asyncio.to_thread(migrate.downgrade, database_url, "base")
    await asyncio.to_thread(migrate.upgrade, database_url, FIRST_REVISION)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            partner = await make_actor(conn, "Partner")
            rows = await make_referral(conn, owner, created=START)
            await make_participant(
                conn, rows.id, partner, invited_by=rows.owner_participant_id, invited=START
            )
        before = await _counts(engine)

        await asyncio.to_thread(migrate.upgrade, database_url, "head")

        assert await _counts(engine) == before
        assert before["participant_user"] == 2
    finally:
        await engine.dispose()


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            name: int(await conn.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in (
                ("referral", referral),
                ("participant", participant),
                ("participant_user", participant_user),
                ("activity", activity),
            )
        }
