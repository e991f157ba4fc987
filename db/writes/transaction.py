"""The write transaction: one at a time per SQLite file, retried when it lost a race."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from db import events
from db.engine import Database
from db.refusals import RefusalCode, Refused

T = TypeVar("T")

# A write that loses a race re-reads and re-decides; past this many losses it answers CONFLICT.
MAX_ATTEMPTS = 8


class LostRace(Exception):
    """The referral changed between reading it and writing it: decide again on fresh state."""


async def in_transaction(database: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` in one write transaction, retrying it when it lost a race.

    On SQLite, writers of this process take turns (`Database.writing`), and the transaction
    begins IMMEDIATE, taking the file's write lock before the first read, so a read lock is
    never upgraded; other processes' writers wait for it up to the busy timeout.
    The activities it records are appended to the event log in the same transaction, and
    listeners are woken (`db.events`) only once it commits.
    """
    for _ in range(MAX_ATTEMPTS):
        async with database.writing(), database.engine.connect() as conn:
            if database.dialect == "sqlite":
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            outbox = events.Outbox.open(conn)
            try:
                result = await work(conn)
                await outbox.seal()  # the event log, then (PostgreSQL) NOTIFY, delivered on commit
            except LostRace:
                await conn.rollback()
                continue
            except BaseException:
                await conn.rollback()
                raise
            finally:
                outbox.close()
            await conn.commit()
        outbox.committed(database.engine)  # SQLite: wake this process's listeners
        return result
    raise Refused(
        RefusalCode.CONFLICT, "The referral kept changing concurrently; read it again and retry."
    )
