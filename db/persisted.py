"""Persisted operations: GraphQL documents stored under the sha256 of their exact text.

Two stores, shared by every worker: the safelist (`persisted_operation`), filled by
`referrals persisted load`, never evicted, the only documents that run when the API allows
persisted operations only; and each organization's registered documents
(`registered_operation`, Apollo's automatic persisted queries), bounded by a quota of
documents and bytes, evicting that organization's least recently used documents first.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, literal, null, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import CompoundSelect, Select

from db.columns import UTCDateTime
from db.engine import Database
from db.tables import persisted_operation, registered_operation
from db.writes.transaction import in_transaction

CHUNK = 500  # documents per statement when loading a safelist or evicting
# How stale a registered document's last_used_date may get: using a document writes it at
# most once per this interval (per worker), not once per request. Eviction order is exact
# only to this precision, which is plenty for a least-recently-used choice.
LAST_USED_PRECISION = timedelta(minutes=10)
# pg_advisory_xact_lock(class, key): the class keeps our locks apart from any other user's.
_REGISTRATION_LOCK_CLASS = 0x41505100  # "APQ\0"


@dataclass(frozen=True, slots=True)
class Quota:
    """How much one organization may keep registered."""

    documents: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Found:
    """A stored document; `last_used` is None for the safelist, which does not track use."""

    document: str
    last_used: datetime | None


def document_hash(document: str) -> str:
    """The key of a document: the lowercase hex sha256 of its UTF-8 text, as clients compute."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


async def find(
    database: Database, sha256: str, *, organization_id: uuid.UUID | None
) -> Found | None:
    """The safelisted document under `sha256`, else the one `organization_id` registered
    (no organization: the safelist only); one statement."""
    safelisted = select(
        persisted_operation.c.document,
        type_coerce(null(), UTCDateTime()).label("last_used"),
        literal(0).label("rank"),
    ).where(persisted_operation.c.sha256 == sha256)
    query: Select[Any] | CompoundSelect[Any] = safelisted
    if organization_id is not None:
        registered = select(
            registered_operation.c.document,
            registered_operation.c.last_used_date,
            literal(1),
        ).where(
            registered_operation.c.organization_id == organization_id,
            registered_operation.c.sha256 == sha256,
        )
        query = safelisted.union_all(registered).order_by("rank").limit(1)
    async with database.engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else Found(row.document, row.last_used)


async def touch(
    database: Database, sha256: str, *, organization_id: uuid.UUID, now: datetime
) -> bool:
    """Mark a registered document used at `now`; False if it is no longer stored (evicted)."""
    async with database.engine.begin() as conn:
        result = await conn.execute(
            update(registered_operation)
            .where(
                registered_operation.c.organization_id == organization_id,
                registered_operation.c.sha256 == sha256,
            )
            .values(last_used_date=now)
        )
    return result.rowcount > 0


async def register(
    database: Database,
    document: str,
    *,
    organization_id: uuid.UUID,
    quota: Quota,
    now: datetime,
) -> list[str]:
    """Store `document` for `organization_id` (unless a racing worker did) and evict that
    organization's least recently used documents past its quota, in one transaction; the
    hashes evicted. The document itself is kept, even were it alone over the quota."""
    sha256 = document_hash(document)
    size = len(document.encode("utf-8"))

    async def work(conn: AsyncConnection) -> list[str]:
        # Registrations of one organization take turns, so that two of them cannot both see
        # room for their document. SQLite's BEGIN IMMEDIATE (in_transaction) already
        # serializes every writer; PostgreSQL needs a lock, and no row to lock need exist.
        if conn.dialect.name == "postgresql":
            key = _lock_key(organization_id)
            await conn.execute(select(func.pg_advisory_xact_lock(_REGISTRATION_LOCK_CLASS, key)))
        inserted = await conn.execute(
            _insert(conn, registered_operation)
            .values(
                organization_id=organization_id,
                sha256=sha256,
                document=document,
                bytes=size,
                created_date=now,
                last_used_date=now,
            )
            .on_conflict_do_nothing(index_elements=list(registered_operation.primary_key))
        )
        if inserted.rowcount == 0:
            return []
        return await _evict(conn, organization_id, quota, keep=sha256)

    return await in_transaction(database, work)


async def _evict(
    conn: AsyncConnection, organization_id: uuid.UUID, quota: Quota, *, keep: str
) -> list[str]:
    """Delete the organization's least recently used documents until the rest fit `quota`,
    never `keep` (the document just registered)."""
    rows = (
        await conn.execute(
            select(registered_operation.c.sha256, registered_operation.c.bytes)
            .where(registered_operation.c.organization_id == organization_id)
            .order_by(
                (registered_operation.c.sha256 == keep).desc(),
                registered_operation.c.last_used_date.desc(),
                registered_operation.c.created_date.desc(),
                registered_operation.c.sha256,
            )
        )
    ).all()
    kept_documents = kept_bytes = 0
    evicted: list[str] = []
    for row in rows:
        fits = kept_documents < quota.documents and kept_bytes + row.bytes <= quota.bytes
        if row.sha256 == keep or fits:
            kept_documents += 1
            kept_bytes += row.bytes
        else:
            # Once one is evicted, so is every less recently used one: a smaller document
            # further down does not jump the queue.
            kept_documents = quota.documents
            evicted.append(row.sha256)
    for start in range(0, len(evicted), CHUNK):
        await conn.execute(
            delete(registered_operation).where(
                registered_operation.c.organization_id == organization_id,
                registered_operation.c.sha256.in_(evicted[start : start + CHUNK]),
            )
        )
    return evicted


def _lock_key(organization_id: uuid.UUID) -> int:
    """A signed 32-bit key for the organization (a collision only makes two take turns)."""
    return int.from_bytes(organization_id.bytes[:4], "big", signed=True)


async def safelist(database: Database, documents: Iterable[str], *, now: datetime) -> list[str]:
    """Store each document on the safelist; the hashes of those that were not on it before,
    in the order given."""
    by_hash = {document_hash(document): document for document in documents}

    async def work(conn: AsyncConnection) -> list[str]:
        hashes = list(by_hash)
        already: set[str] = set()
        for start in range(0, len(hashes), CHUNK):  # bounded statements, whatever the count
            chunk = hashes[start : start + CHUNK]
            already.update(
                (
                    await conn.scalars(
                        select(persisted_operation.c.sha256).where(
                            persisted_operation.c.sha256.in_(chunk)
                        )
                    )
                ).all()
            )
            rows = [
                {"sha256": sha256, "document": by_hash[sha256], "created_date": now}
                for sha256 in chunk
            ]
            await conn.execute(
                _insert(conn, persisted_operation)
                .values(rows)
                .on_conflict_do_nothing(index_elements=[persisted_operation.c.sha256])
            )
        return [sha256 for sha256 in hashes if sha256 not in already]

    return await in_transaction(database, work)


def _insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT with the dialect's ON CONFLICT clauses (both engines spell them alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
