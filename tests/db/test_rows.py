"""Columns read by position are the columns read by name, whatever the statement."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Row, func, literal, select

from db.engine import Database
from db.rows import positions
from db.tables import app_user, organization
from tests.factories import make_actor


def _by_position(row: Row[Any]) -> dict[str, Any]:
    at = positions(row)
    return {name: row[at[name]] for name in row._fields}


async def test_positions_name_every_column_of_tables_joins_and_labels(database: Database) -> None:
    async with database.engine.begin() as conn:
        await make_actor(conn, "Reader")
        await make_actor(conn, "Other")
    statements = [
        select(organization),
        select(app_user.c.email, app_user.c.id, literal(7).label("seven")),
        select(app_user, organization.c.name.label("organization_name")).join(
            organization, organization.c.id == app_user.c.organization_id
        ),
        select(func.count().label("n"), app_user.c.organization_id).group_by(
            app_user.c.organization_id
        ),
    ]
    async with database.engine.connect() as conn:
        for statement in statements:
            rows = (await conn.execute(statement)).all()
            assert rows
            for row in rows:
                assert _by_position(row) == {name: getattr(row, name) for name in row._fields}


async def test_a_column_the_row_lacks_is_a_key_error(database: Database) -> None:
    async with database.engine.connect() as conn:
        row = (await conn.execute(select(literal(1).label("one")))).one()
    with pytest.raises(KeyError):
        positions(row)["two"]
