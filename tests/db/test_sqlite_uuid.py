"""UUIDs read from SQLite are the values written, whichever way they were built."""

from __future__ import annotations

import pickle
import uuid

import pytest
from sqlalchemy import select

from db.engine import Database
from db.sqlite_uuid import from_hex
from db.tables import organization
from tests.factories import make_actor


@pytest.mark.parametrize("value", [uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)])
def test_from_hex_is_the_uuid_of_those_digits(value: uuid.UUID) -> None:
    made = from_hex(value.hex)
    assert made == value
    assert hash(made) == hash(value)
    assert str(made) == str(value)
    assert made is not None
    assert made.hex == value.hex
    assert made.is_safe is uuid.SafeUUID.unknown
    assert pickle.loads(pickle.dumps(made)) == value  # every slot set: pickling reads them
    assert from_hex(str(value)) == value  # hyphenated text takes the full parser


def test_from_hex_refuses_what_is_no_uuid() -> None:
    assert from_hex(None) is None
    with pytest.raises(ValueError, match="invalid literal"):
        from_hex("z" * 32)


async def test_ids_read_back_equal_and_typed(database: Database) -> None:
    async with database.engine.begin() as conn:
        actor = await make_actor(conn, "Reader")
    async with database.engine.connect() as conn:
        found = await conn.scalar(
            select(organization.c.id).where(organization.c.id == actor.organization_id)
        )
    assert type(found) is not str
    assert found == actor.organization_id
    assert {found: 1}[actor.organization_id] == 1  # the same dictionary key
