"""db.organizations: ids and names only, one statement, in key order, None for the missing."""

from __future__ import annotations

import uuid

from db.access import Viewer
from db.engine import Database
from db.organizations import organizations_by_id
from tests.conftest import START
from tests.factories import make_actor
from tests.statements import statements


async def test_organizations_by_id_reads_names_in_key_order(database: Database) -> None:
    async with database.engine.begin() as conn:
        me = await make_actor(conn, "Mine")
        other = await make_actor(conn, "Other")
    viewer = Viewer(me.organization_id, me.user_id, START)
    missing = uuid.uuid4()
    keys = [other.organization_id, missing, me.organization_id]

    async with database.engine.connect() as conn:
        with statements(database) as log:
            rows = await organizations_by_id(conn, viewer, keys)

    assert len(log) == 1
    assert [None if row is None else tuple(row) for row in rows] == [
        (other.organization_id, "Other"),
        None,
        (me.organization_id, "Mine"),
    ]
