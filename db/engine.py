"""Engines for the configured database, SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# How long a SQLite writer waits for another process's write transaction (the CLI loading
# demo data while the API serves). Writers of one process queue in `Database.writing` first.
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, busy_timeout_ms: int | None = None
) -> AsyncEngine:
    """An async engine; SQLite connections get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        timeout_ms = SQLITE_BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": timeout_ms / 1000})
        configure = partial(_configure_sqlite, busy_timeout_ms=timeout_ms)
        event.listen(engine.sync_engine, "connect", configure)
        return engine
    # No pre-ping: it costs a round trip on every checkout (a request checks out one per
    # loader batch). Connections are recycled instead, and a connection found dead is
    # invalidated with the pool, so only the request that met it fails.
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )


def _configure_sqlite(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # WAL makes NORMAL durable against application crashes; only power loss can drop a commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds ASCII only; search must match "MÜLLER" as PostgreSQL does.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class Database:
    """The engine and this process's turn to write: what the app holds for its lifetime."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = asyncio.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold this process's turn to write: on SQLite one write transaction at a time.

        SQLite has one write lock per file, and its busy handler is no queue: it polls with
        growing sleeps, so under a few dozen writers an unlucky one waited past the busy
        timeout and failed (`database is locked`). Queued here instead, in arrival order
        (asyncio.Lock is fair), before a connection is taken, writers wait as long as it
        takes and hold no pooled connection meanwhile. The busy timeout still covers writers
        of other processes. PostgreSQL queues writers on the referral's row (FOR UPDATE).
        """
        if self.dialect != "sqlite":
            yield
            return
        async with self._writer:
            yield

    def sibling(self, *, pool_size: int) -> Database:
        """Another engine to the same database for background work (webhook deliveries): a
        small pool of its own, so it never holds a connection a request waits for, sharing
        this process's turn to write (SQLite's one writer at a time)."""
        url = self.engine.url.render_as_string(hide_password=False)
        other = Database(create_engine(url, pool_size=pool_size))
        other._writer = self._writer
        return other

    async def dispose(self) -> None:
        await self.engine.dispose()
