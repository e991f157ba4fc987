"""The request's connection: one checkout, one reader at a time, always given back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from db.engine import Database
from db.request_connection import RequestConnection


@contextmanager
def checkouts(database: Database) -> Iterator[list[str]]:
    """'out' and 'in' for each checkout and checkin of the database's pool, in order."""
    seen: list[str] = []

    def out(*_: Any) -> None:
        seen.append("out")

    def back(*_: Any) -> None:
        seen.append("in")

    engine = database.engine.sync_engine
    event.listen(engine, "checkout", out)
    event.listen(engine, "checkin", back)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", out)
        event.remove(engine, "checkin", back)


async def test_concurrent_reads_take_turns_on_one_connection(database: Database) -> None:
    connection = RequestConnection(database.reader)
    inside, most = 0, 0

    async def read(number: int) -> int:
        nonlocal inside, most
        async with connection.reading() as conn:
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)  # another reader would get in here if it could
            value = await conn.scalar(text(f"SELECT {number}"))
            inside -= 1
            return int(value)

    with checkouts(database) as seen:
        assert await asyncio.gather(*(read(n) for n in range(6))) == list(range(6))
        assert seen == ["out"]
        await connection.release()
    assert seen == ["out", "in"]
    assert most == 1


async def test_a_failed_read_gives_its_connection_back_and_the_next_read_works(
    database: Database,
) -> None:
    connection = RequestConnection(database.reader)
    with checkouts(database) as seen:
        with pytest.raises(DBAPIError):
            async with connection.reading() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
        assert seen == ["out", "in"]
        async with connection.reading() as conn:  # not an aborted transaction's connection
            assert await conn.scalar(text("SELECT 1")) == 1
        await connection.release()
    assert seen == ["out", "in", "out", "in"]


async def test_a_cancelled_read_gives_its_connection_back(database: Database) -> None:
    connection = RequestConnection(database.reader)
    started = asyncio.Event()

    async def slow() -> None:
        async with connection.reading():
            started.set()
            await asyncio.sleep(60)

    with checkouts(database) as seen:
        task = asyncio.create_task(slow())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await connection.release()
    assert seen == ["out", "in"]
    assert database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_release_waits_for_the_read_in_progress(database: Database) -> None:
    connection = RequestConnection(database.reader)
    order: list[str] = []
    started = asyncio.Event()

    async def read() -> None:
        async with connection.reading() as conn:
            started.set()
            await asyncio.sleep(0.05)
            await conn.scalar(text("SELECT 1"))
            order.append("read")

    task = asyncio.create_task(read())
    await started.wait()
    await connection.release()
    order.append("released")
    await task
    assert order == ["read", "released"]


async def test_pause_then_read_checks_out_again_and_reads_after_release_are_their_own(
    database: Database,
) -> None:
    connection = RequestConnection(database.reader)
    with checkouts(database) as seen:
        async with connection.reading() as conn:
            await conn.scalar(text("SELECT 1"))
        await connection.pause()  # a write is about to take a connection of its own
        assert seen == ["out", "in"]
        async with connection.reading() as conn:
            await conn.scalar(text("SELECT 1"))
        await connection.release()
        assert seen == ["out", "in", "out", "in"]
        async with connection.reading() as conn:  # late: nobody would release a kept one
            await conn.scalar(text("SELECT 1"))
    assert seen == ["out", "in", "out", "in", "out", "in"]
