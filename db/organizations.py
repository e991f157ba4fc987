"""Batched reads of organizations: their IDs and names, which every partner may know."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer
from db.tables import organization


async def organizations_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Each organization's id and name, in key order (None: no such organization).

    Names are not private (partners pick whom to invite by them); an organization's users and
    contact details are, so this reads nothing else.
    """
    del viewer  # every viewer may read these two columns
    stmt = select(organization.c.id, organization.c.name).where(organization.c.id.in_(ids))
    rows: Iterable[Row[Any]] = await conn.execute(stmt)
    found = {row.id: row for row in rows}
    return [found.get(key) for key in ids]
