"""One pooled connection for all of a request's reads, taken at its first read.

A nested page fires several loader batches at once; each used to check out a connection of
its own, each its own BEGIN ... ROLLBACK (issue 14: six checkouts for one page). Here they
take turns on one: neither asyncpg's nor aiosqlite's connection runs two statements at once,
and the batches of one request wait on each other's rows anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class RequestConnection:
    """The connection a request reads on: checked out lazily, checked in by `release`."""

    __slots__ = ("_connection", "_engine", "_released", "_turn")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()  # fair: batches run in the order they asked
        self._released = False

    @property
    def checked_out(self) -> bool:
        return self._connection is not None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """The connection, for this caller alone until the block ends."""
        if self._released:
            # A read after the answer (a load the deadline abandoned, starting late): nobody
            # would check a kept connection in, so it has one of its own for the block.
            async with self._engine.connect() as own:
                yield own
            return
        async with self._turn:
            connection = self._connection
            if connection is None:
                connection = self._connection = await self._engine.connect()
            try:
                yield connection
            except BaseException:
                # A failed statement aborts PostgreSQL's transaction, and a cancelled one may
                # leave the protocol mid-message: give this one back (the pool resets or
                # discards it) and let the request's next read take another.
                self._connection = None
                await asyncio.shield(connection.close())
                raise

    async def release(self) -> None:
        """Check the connection in for good (the operation answered), once the batch using it,
        if any, has finished. Shielded: a request cancelled meanwhile still gives it back."""
        self._released = True
        await asyncio.shield(self._check_in())

    async def pause(self) -> None:
        """Check the connection in until the next read (a write takes a connection of its
        own: holding both would let a full pool's writers wait on each other's readers)."""
        await asyncio.shield(self._check_in())

    async def _check_in(self) -> None:
        async with self._turn:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()
