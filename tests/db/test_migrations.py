"""Alembic owns the schema: the migrations build exactly the tables the models describe."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from db import migrate
from db.columns import UTCDateTime
from db.engine import Database, create_engine
from db.migrate import current_revision, head_revision
from db.tables import (
    activity,
    organization,
    participant,
    participant_user,
    persisted_operation,
    referral,
    registered_operation,
)
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral

FIRST_REVISION = "0001"


async def test_database_is_at_the_head_revision(database: Database) -> None:
    assert await current_revision(database.engine) == head_revision()


# Indexes the models cannot state on every engine (migration 0006): SQLite's deal value index
# is over an expression, which SQLAlchemy does not reflect; PostgreSQL has DESC NULLS LAST twins.
ENGINE_SPECIFIC_INDEXES = {
    "ix_additional_information_deal_value",
    "ix_additional_information_deal_value_desc",
    "ix_additional_information_closing_date_desc",
}


def _compared(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in ENGINE_SPECIFIC_INDEXES)


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _compared}
        )
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", "Skipped unsupported reflection of expression-based index ix_additional"
            )
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


async def test_registered_operations_move_to_their_organization_and_back(
    database_url: str,
) -> None:
    """0005 splits the shared store of 0004: registrations go to their organization's store
    (with their size and last use), the safelist stays; downgrading joins them again."""
    before_split = "0004"
    shared = sa.table(  # persisted_operation as 0004 made it
        "persisted_operation",
        sa.column("sha256", sa.String()),
        sa.column("document", sa.Text()),
        sa.column("created_date", UTCDateTime()),
        sa.column("registered_by", sa.Uuid()),
        sa.column("safelisted", sa.Boolean()),
    )
    organization = uuid.uuid4()
    documents = {
        "safelisted": ("query S { __typename }", None, True),
        "registered": ("query R { __typename } # café", organization, False),
        "both": ("query B { __typename }", organization, True),  # registered, then loaded
        "nobody's": ("query N { __typename }", None, False),  # no organization to keep it
    }
    sha = {name: hashlib.sha256(d.encode()).hexdigest() for name, (d, _, _) in documents.items()}
    await asyncio.to_thread(migrate.downgrade, database_url, before_split)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                shared.insert(),
                [
                    {
                        "sha256": sha[name],
                        "document": document,
                        "created_date": START,
                        "registered_by": by,
                        "safelisted": on_list,
                    }
                    for name, (document, by, on_list) in documents.items()
                ],
            )

        await asyncio.to_thread(migrate.upgrade, database_url, "head")

        async with engine.connect() as conn:
            safelist = set(await conn.scalars(sa.select(persisted_operation.c.sha256)))
            (registered,) = (await conn.execute(sa.select(registered_operation))).all()
        assert safelist == {sha["safelisted"], sha["both"]}
        assert (registered.organization_id, registered.sha256) == (
            organization,
            sha["registered"],
        )
        assert registered.bytes == 30  # UTF-8 bytes, not 29 characters
        assert registered.created_date == registered.last_used_date == START

        await asyncio.to_thread(migrate.downgrade, database_url, before_split)

        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(shared))).all()
        assert {(row.sha256, row.registered_by, row.safelisted) for row in rows} == {
            (sha["safelisted"], None, True),
            (sha["both"], None, True),
            (sha["registered"], organization, False),
        }
    finally:
        await engine.dispose()
        await asyncio.to_thread(migrate.upgrade, database_url, "head")


async def test_organization_name_index_comes_and_goes_with_a_populated_database(
    database_url: str,
) -> None:
    """0006 indexes organizations by (name, id) for the invite picker; rows stay as they were."""
    before_index = "0005"

    def indexes(connection: Connection) -> dict[str, list[str | None]]:
        found = sa.inspect(connection).get_indexes("organization")
        return {index["name"] or "": index["column_names"] for index in found}

    await asyncio.to_thread(migrate.downgrade, database_url, before_index)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            names = {(await make_actor(conn, name)).organization_id: name for name in "CBA"}
            assert "ix_organization_name" not in await conn.run_sync(indexes)

        await asyncio.to_thread(migrate.upgrade, database_url, "head")

        async with engine.connect() as conn:
            assert (await conn.run_sync(indexes))["ix_organization_name"] == ["name", "id"]
            rows = await conn.execute(sa.select(organization.c.id, organization.c.name))
            assert {row.id: row.name for row in rows} == names

        await asyncio.to_thread(migrate.downgrade, database_url, before_index)

        async with engine.connect() as conn:
            assert "ix_organization_name" not in await conn.run_sync(indexes)
    finally:
        await engine.dispose()
        await asyncio.to_thread(migrate.upgrade, database_url, "head")


LIST_ORDER_INDEXES = {
    "ix_referral_name",
    "ix_additional_information_closing_date",
    *ENGINE_SPECIFIC_INDEXES,
}


async def test_list_order_indexes_come_and_go_with_their_migration(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            await make_referral(conn, owner, created=START, name="Kept")
        await asyncio.to_thread(migrate.downgrade, database_url, "0006")
        assert not await _index_names(engine) & LIST_ORDER_INDEXES
        await asyncio.to_thread(migrate.upgrade, database_url, "head")
        twins = (
            set()
            if database_url.startswith("postgresql")
            else {
                "ix_additional_information_deal_value_desc",
                "ix_additional_information_closing_date_desc",
            }
        )
        assert await _index_names(engine) & LIST_ORDER_INDEXES == LIST_ORDER_INDEXES - twins
        assert await _counts(engine) == {
            "referral": 1,
            "participant": 1,
            "participant_user": 1,
            "activity": 1,
        }
    finally:
        await engine.dispose()


async def _index_names(engine: AsyncEngine) -> set[str]:
    # Read from the catalogue: SQLAlchemy does not reflect SQLite's expression indexes.
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        return {str(name) for name in (await conn.exec_driver_sql(query)).scalars()}
