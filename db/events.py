"""Referral events: appended to the event log in a write's transaction; a wake-up after it.

`db.writes.transaction.in_transaction` opens an `Outbox` on its connection and `record` notes
each activity in it. `seal`, the transaction's last step, appends the noted events to the
event log (`db.event_log`, the carrier: nothing is lost while nobody listens) and, on
PostgreSQL, NOTIFYs `CHANNEL` with the newest position: PostgreSQL delivers a NOTIFY when, and
only if, its transaction commits, to every worker's LISTEN connection (`PostgresListener`).
On SQLite, after the commit, the outbox wakes the listeners registered in this process for the
engine (`listen_locally`). A wake-up only says "the log has grown to at least this position":
listeners read the log after their own last position, so a lost or merged wake-up loses
nothing. A rolled-back or refused write appends and wakes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import event_log
from db.models import ActivityType

CHANNEL = "referral_events"
_OUTBOX = "referrals.outbox"  # the key of an open outbox in the connection's `info`

log = logging.getLogger("referrals.events")

# A wake-up: the newest position known committed (0 when unknown: read the log anyway).
Listener = Callable[[int], None]


def decode(payload: str) -> int | None:
    """The position a notification carries; None (logged) for a payload that is not one."""
    try:
        position = int(payload)
    except ValueError:
        log.warning("ignored a malformed %s notification: %.200s", CHANNEL, payload)
        return None
    return position


# --- the write side -----------------------------------------------------------------------

_local: weakref.WeakKeyDictionary[AsyncEngine, list[Listener]] = weakref.WeakKeyDictionary()


def listen_locally(engine: AsyncEngine, listener: Listener) -> Callable[[], None]:
    """Wake `listener` after each commit through `engine` by this process that appended
    events (the SQLite path); returns the function that stops it."""
    _local.setdefault(engine, []).append(listener)
    return lambda: _local.get(engine, []).remove(listener)


class Outbox:
    """The events of one write transaction: appended at its end, announced once it commits."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._events: list[event_log.PendingEvent] = []
        self.newest: int | None = None

    @classmethod
    def open(cls, conn: AsyncConnection) -> Outbox:
        outbox = cls(conn)
        conn.info[_OUTBOX] = outbox
        return outbox

    def add(self, event: event_log.PendingEvent) -> None:
        self._events.append(event)

    async def seal(self) -> None:
        """The last statements of the transaction: append its events to the log (on
        PostgreSQL under the append lock, held through the commit that follows), then on
        PostgreSQL NOTIFY."""
        self.newest = await event_log.append(self._conn, self._events)
        if self.newest is not None and self._conn.dialect.name == "postgresql":
            await self._conn.execute(select(func.pg_notify(CHANNEL, str(self.newest))))

    def close(self) -> None:
        """Detach from the connection (it goes back to the pool)."""
        if self._conn.info.get(_OUTBOX) is self:
            del self._conn.info[_OUTBOX]

    def committed(self, engine: AsyncEngine) -> None:
        """After the commit: wake this process's listeners (not on PostgreSQL, whose
        NOTIFYs reach every worker's LISTEN connection, this one's included)."""
        if engine.dialect.name == "postgresql" or self.newest is None:
            return
        for listener in list(_local.get(engine, [])):
            try:
                listener(self.newest)
            except Exception:  # the write is committed: a listener's fault must not undo it
                log.exception("event listener failed")


def note(
    conn: AsyncConnection,
    referral_id: uuid.UUID,
    activity_id: uuid.UUID,
    type_: ActivityType,
    occurred_date: datetime,
) -> None:
    """Note an activity's event in the connection's open outbox; writes outside one (demo
    loading, test factories) log nothing."""
    outbox = conn.info.get(_OUTBOX)
    if isinstance(outbox, Outbox):
        outbox.add(event_log.PendingEvent(activity_id, referral_id, type_, occurred_date))


# --- the PostgreSQL read side -------------------------------------------------------------

# Reconnect back-off: from BACKOFF_FIRST doubling to BACKOFF_CAP seconds, each wait drawn at
# random between half and all of it (jitter), so the workers of a fleet do not reconnect in
# step when PostgreSQL comes back. About a second at most: whatever was committed meanwhile is
# read from the log on reconnect, but a listener that waits long delivers it late.
BACKOFF_FIRST = 0.05
BACKOFF_CAP = 1.0


def backoff_delays(first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP) -> Iterator[float]:
    """The waits between reconnection attempts: doubling up to `cap`, with jitter."""
    delay = first
    while True:
        yield random.uniform(delay / 2, delay)
        delay = min(delay * 2, cap)


class PostgresListener:
    """One worker's LISTEN connection (asyncpg, outside the pool), waking `listener` with
    every notification's position. Reconnects with short capped back-off when the connection
    is lost, then wakes `listener` with 0 (read the log: notifications sent meanwhile are
    gone, their events are not). `listening` is set while connected (readiness)."""

    def __init__(self, database_url: URL, listener: Listener, *, check_seconds: float = 30) -> None:
        url = database_url.set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._listener = listener
        self._check_seconds = check_seconds
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self.reconnects = 0  # connections made after the first, since start

    async def start(self, *, wait_seconds: float = 10) -> None:
        """Start listening; waits (bounded) for the first connection."""
        self._task = asyncio.create_task(self._run(), name="referral-events-listener")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                await self.listening.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delays = backoff_delays()
        connected_before = False
        while True:
            try:
                connection = await asyncpg.connect(self._dsn, timeout=10)
            except (OSError, TimeoutError, asyncpg.PostgresError) as error:
                delay = next(delays)
                log.warning(
                    "LISTEN %s: cannot connect (%s); retrying in %.2fs", CHANNEL, error, delay
                )
                await asyncio.sleep(delay)
                continue
            try:
                await connection.add_listener(CHANNEL, self._notified)
                delays = backoff_delays()
                self.listening.set()
                if connected_before:
                    self.reconnects += 1
                    log.info("LISTEN %s: reconnected; catching up from the log", CHANNEL)
                connected_before = True
                self._wake(0)  # whatever committed while nobody listened is in the log
                await self._listen(connection)
            except (OSError, TimeoutError, asyncpg.PostgresError, ConnectionError) as error:
                log.warning("LISTEN %s: connection lost (%s); reconnecting", CHANNEL, error)
            finally:
                self.listening.clear()
                connection.terminate()

    async def _listen(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._check_seconds):
                    await lost.wait()
            if not lost.is_set():  # an idle connection notices a dead peer only when it talks
                await connection.fetchval("SELECT 1", timeout=10)
        raise ConnectionError("the LISTEN connection was closed")

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        position = decode(payload)
        if position is not None:
            self._wake(position)

    def _wake(self, position: int) -> None:
        try:
            self._listener(position)
        except Exception:
            log.exception("event listener failed")
