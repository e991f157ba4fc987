"""Alembic owns the schema: the migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

from db.engine import Database
from db.migrate import current_revision, head_revision


async def test_database_is_at_the_head_revision(database: Database) -> None:
    assert await current_revision(database.engine) == head_revision()


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []
