"""Persisted operations: GraphQL documents stored under the sha256 of their exact text.

One table shared by every worker. A client registers documents (automatic persisted queries);
`referrals persisted load` puts documents on the safelist, the only ones that run when the
API allows persisted operations only.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import Database
from db.tables import persisted_operation
from db.transactions import in_transaction

CHUNK = 500  # documents per statement when loading a safelist


def document_hash(document: str) -> str:
    """The key of a document: the lowercase hex sha256 of its UTF-8 text, as clients compute."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


async def find(database: Database, sha256: str, *, safelisted_only: bool = False) -> str | None:
    """The document stored under `sha256` (only if safelisted, when asked), or None."""
    query = select(persisted_operation.c.document).where(persisted_operation.c.sha256 == sha256)
    if safelisted_only:
        query = query.where(persisted_operation.c.safelisted.is_(True))
    async with database.engine.connect() as conn:
        document: str | None = await conn.scalar(query)
    return document


async def register(
    database: Database, document: str, *, organization_id: uuid.UUID | None, now: datetime
) -> str:
    """Store `document` unless it is stored already (a racing worker may have); its hash."""
    sha256 = document_hash(document)

    async def work(conn: AsyncConnection) -> None:
        await conn.execute(
            _insert(conn)
            .values(
                sha256=sha256,
                document=document,
                created_date=now,
                registered_by=organization_id,
                safelisted=False,
            )
            .on_conflict_do_nothing(index_elements=[persisted_operation.c.sha256])
        )

    await in_transaction(database, work)
    return sha256


async def safelist(database: Database, documents: Iterable[str], *, now: datetime) -> list[str]:
    """Store each document on the safelist (a registered one is added to it); the hashes of
    those that were not on it before, in the order given."""
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
                            persisted_operation.c.sha256.in_(chunk),
                            persisted_operation.c.safelisted.is_(True),
                        )
                    )
                ).all()
            )
            rows = [
                {
                    "sha256": sha256,
                    "document": by_hash[sha256],
                    "created_date": now,
                    "registered_by": None,
                    "safelisted": True,
                }
                for sha256 in chunk
            ]
            await conn.execute(
                _insert(conn)
                .values(rows)
                .on_conflict_do_update(
                    index_elements=[persisted_operation.c.sha256], set_={"safelisted": True}
                )
            )
        return [sha256 for sha256 in hashes if sha256 not in already]

    return await in_transaction(database, work)


def _insert(conn: AsyncConnection) -> postgresql.Insert | sqlite.Insert:
    """INSERT with the dialect's ON CONFLICT clauses (both engines spell them alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(persisted_operation)
    return sqlite.insert(persisted_operation)
