"""Engines for the configured database, SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.sqlite_uuid import read_uuids_from_hex

# How long a SQLite writer waits for another process's write transaction (the CLI loading
# demo data while the API serves). Writers of one process queue in `Database.writing` first.
SQLITE_BUSY_TIMEOUT_MS = 5000


# Connections a worker keeps open, and how long a request waits for one of them to come back.
DEFAULT_POOL_SIZE = 20
DEFAULT_POOL_TIMEOUT_SECONDS = 5.0

# SQLSTATE classes that mean the server ended or refused the session: 08 (connection
# exception), 57P01-57P05 (administrator command, crash shutdown, cannot connect now, ...).
_DISCONNECT_SQLSTATES = ("08", "57P")


def create_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_timeout: float = DEFAULT_POOL_TIMEOUT_SECONDS,
    echo: bool = False,
    busy_timeout_ms: int | None = None,
) -> AsyncEngine:
    """An async engine; SQLite connections get WAL, foreign keys and a busy timeout.

    The pool keeps `pool_size` connections and opens no overflow: a request reads on one
    connection from its first read to its answer (db.request_connection), so a worker needs
    one per request in flight, and an overflow connection would be opened for a request and
    closed on its return (issue 14: 51 new PostgreSQL sessions in 10 s under 16 clients).
    Past `pool_size` requests in flight, a request waits up to `pool_timeout` for a
    connection, then answers 503 (sqlalchemy's TimeoutError is an outage, api.errors).
    """
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if parsed.get_backend_name() == "sqlite":
        memory = not parsed.database or parsed.database == ":memory:"
        if not memory:
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        timeout_ms = SQLITE_BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": timeout_ms / 1000},
            # An aiosqlite connection is a thread of its own: worth keeping, as on PostgreSQL.
            **({} if memory else pool),
        )
        configure = partial(_configure_sqlite, busy_timeout_ms=timeout_ms)
        event.listen(engine.sync_engine, "connect", configure)
        read_uuids_from_hex(engine)
        return engine
    # No pre-ping: it costs a round trip on every checkout. A connection is known dead from
    # what the driver says when it is used (`mark_disconnects`); SQLAlchemy then invalidates it
    # and every other connection of the pool opened before it (a restarted server dropped them
    # all), so only the request that met it fails and the next one connects afresh.
    engine = create_async_engine(url, echo=echo, pool_recycle=1800, **pool)
    event.listen(engine.sync_engine, "handle_error", mark_disconnects)
    return engine


def mark_disconnects(context: ExceptionContext) -> None:
    """Count a server-side end of the session as a disconnect, whatever the driver says.

    asyncpg's dialect calls an error a disconnect when the connection already shows closed;
    an administrator's termination (57P01) or a shutdown arrives as a server error first,
    while the socket may still look open, and the connection would go back to the pool.
    """
    sqlstate = getattr(context.original_exception, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_DISCONNECT_SQLSTATES):
        context.is_disconnect = True


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
        # What a request reads on (db.request_connection): the same pool, but on PostgreSQL
        # without BEGIN and ROLLBACK, each statement its own READ COMMITTED transaction, as
        # each batch's was. A connection held for a whole request then holds no transaction
        # (no snapshot, no locks) between its batches. SQLite's driver begins transactions
        # for writes only, so its reads already run so.
        self.reader = (
            engine
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
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
