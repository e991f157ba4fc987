"""Referral change events: noted in a write's transaction, published once it commits.

`db.writes.transaction.in_transaction` opens an `Outbox` on its connection and `record` notes
each activity in it. On PostgreSQL the outbox NOTIFYs on `CHANNEL` inside the transaction itself:
PostgreSQL delivers a NOTIFY when, and only if, its transaction commits, to every connection
LISTENing on any worker (`PostgresListener`). On SQLite, after the commit, the outbox hands its
changes to the listeners registered in this process for the engine (`listen_locally`). Either
way a rolled-back or refused write publishes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

CHANNEL = "referral_events"
# Activity ids per notification: keeps a payload far below PostgreSQL's 8000-byte limit.
MAX_IDS_PER_EVENT = 100
_OUTBOX = "referrals.outbox"  # the key of an open outbox in the connection's `info`

log = logging.getLogger("referrals.events")


@dataclass(frozen=True, slots=True)
class ReferralChange:
    """A committed change: the referral and the activities (its history entries) it wrote."""

    referral_id: uuid.UUID
    activity_ids: tuple[uuid.UUID, ...]


Listener = Callable[[ReferralChange], None]


def encode(change: ReferralChange) -> str:
    return json.dumps(
        {"referral": str(change.referral_id), "activities": [str(a) for a in change.activity_ids]},
        separators=(",", ":"),
    )


def decode(payload: str) -> ReferralChange | None:
    """The change a notification carries; None (logged) for a payload that is not one."""
    try:
        data = json.loads(payload)
        return ReferralChange(
            uuid.UUID(data["referral"]), tuple(uuid.UUID(a) for a in data["activities"])
        )
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed %s notification: %.200s", CHANNEL, payload)
        return None


# --- the write side -----------------------------------------------------------------------

_local: weakref.WeakKeyDictionary[AsyncEngine, list[Listener]] = weakref.WeakKeyDictionary()


def listen_locally(engine: AsyncEngine, listener: Listener) -> Callable[[], None]:
    """Call `listener` with each change committed through `engine` by this process (the
    SQLite path); returns the function that stops it."""
    _local.setdefault(engine, []).append(listener)
    return lambda: _local.get(engine, []).remove(listener)


class Outbox:
    """The changes of one write transaction, published only once it commits."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._activities: dict[uuid.UUID, list[uuid.UUID]] = {}

    @classmethod
    def open(cls, conn: AsyncConnection) -> Outbox:
        outbox = cls(conn)
        conn.info[_OUTBOX] = outbox
        return outbox

    def add(self, referral_id: uuid.UUID, activity_id: uuid.UUID) -> None:
        self._activities.setdefault(referral_id, []).append(activity_id)

    def changes(self) -> list[ReferralChange]:
        return [
            ReferralChange(referral_id, tuple(ids[start : start + MAX_IDS_PER_EVENT]))
            for referral_id, ids in self._activities.items()
            for start in range(0, len(ids), MAX_IDS_PER_EVENT)
        ]

    async def seal(self) -> None:
        """The last statements of the transaction: on PostgreSQL, its NOTIFYs."""
        if self._conn.dialect.name != "postgresql":
            return
        for change in self.changes():
            await self._conn.execute(select(func.pg_notify(CHANNEL, encode(change))))

    def close(self) -> None:
        """Detach from the connection (it goes back to the pool)."""
        if self._conn.info.get(_OUTBOX) is self:
            del self._conn.info[_OUTBOX]

    def committed(self, engine: AsyncEngine) -> None:
        """After the commit: hand the changes to this process's listeners (not PostgreSQL,
        whose NOTIFYs reach every worker's LISTEN connection, this one's included)."""
        if engine.dialect.name == "postgresql":
            return
        for listener in list(_local.get(engine, [])):
            for change in self.changes():
                try:
                    listener(change)
                except Exception:  # the write is committed: a listener's fault must not undo it
                    log.exception("event listener failed")


def note(conn: AsyncConnection, referral_id: uuid.UUID, activity_id: uuid.UUID) -> None:
    """Note an activity in the connection's open outbox; writes outside one publish nothing."""
    outbox = conn.info.get(_OUTBOX)
    if isinstance(outbox, Outbox):
        outbox.add(referral_id, activity_id)


# --- the PostgreSQL read side -------------------------------------------------------------


class PostgresListener:
    """One worker's LISTEN connection (asyncpg, outside the pool), handing every notification
    to `listener`. Reconnects with back-off when the connection is lost; notifications sent
    while it is down are missed (subscribers re-read state when they reconnect)."""

    def __init__(self, database_url: URL, listener: Listener, *, check_seconds: float = 30) -> None:
        url = database_url.set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._listener = listener
        self._check_seconds = check_seconds
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    async def start(self, *, wait_seconds: float = 10) -> None:
        """Start listening; waits (bounded) for the first connection, so that a change
        committed right after start-up is not missed."""
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
        delay = 0.5
        while True:
            try:
                connection = await asyncpg.connect(self._dsn, timeout=10)
            except (OSError, TimeoutError, asyncpg.PostgresError) as error:
                log.warning(
                    "LISTEN %s: cannot connect (%s); retrying in %gs", CHANNEL, error, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            try:
                await self._listen(connection)
                delay = 0.5
            except (OSError, TimeoutError, asyncpg.PostgresError) as error:
                log.warning("LISTEN %s: connection lost (%s); reconnecting", CHANNEL, error)
            finally:
                self.listening.clear()
                connection.terminate()

    async def _listen(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        await connection.add_listener(CHANNEL, self._notified)
        self.listening.set()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._check_seconds):
                    await lost.wait()
            if not lost.is_set():  # an idle connection notices a dead peer only when it talks
                await connection.fetchval("SELECT 1", timeout=10)
        raise ConnectionError("the LISTEN connection was closed")

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        change = decode(payload)
        if change is None:
            return
        try:
            self._listener(change)
        except Exception:
            log.exception("event listener failed")
