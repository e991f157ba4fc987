"""The event log: a transactional outbox of referral events, read by position.

Every activity appends one event (`referral_event`) in the transaction that writes it, so a
rolled-back write appends nothing and a committed one cannot lose its event. Events are
numbered by `position`, which only grows, and readers never see a smaller position commit
after a larger one was read: a reader that remembers the last position it read ("after")
and asks for what follows never skips a committed event.

Why that holds:
- SQLite has one writer at a time (BEGIN IMMEDIATE), so positions are handed out in commit
  order; AUTOINCREMENT never hands one out twice, even after pruning.
- PostgreSQL hands out sequence values when a row is inserted, not when it commits, so two
  concurrent writers could commit 8 after a reader had already seen 9. `append` therefore
  takes a transaction-level advisory lock (`APPEND_LOCK`) as the transaction's last step and
  holds it through COMMIT: the next writer draws its positions only once this one is visible
  (PostgreSQL makes a transaction visible before it releases its locks). It is taken as late
  as possible, after every row lock and check of the write, so the serialized part is the
  event inserts, the NOTIFY and the commit. That costs little extra: a transaction that
  NOTIFYs already takes PostgreSQL's one global notify-queue lock from pre-commit to the end
  of its commit, so notifying commits were serialized before. A snapshot horizon (reading
  only below the oldest in-flight transaction) would keep commits parallel but make every
  reader compute it and wait out slow writers; serialized appends keep readers a plain
  `position > after` range scan.

Retention: `prune` deletes events older than a cut-off and records how far it went
(`referral_event_horizon`); reading after a position before that horizon raises
`EventsExpired` instead of silently skipping what was deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import ActivityType
from db.tables import referral_event, referral_event_horizon

# The advisory lock that serializes appends on PostgreSQL (an arbitrary 64-bit key of ours).
APPEND_LOCK = 0x7265_6665_7272_616C  # "referral"
_HORIZON_ROW = 1


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One logged event: where it sits in the log, its stable ID (its activity's) and what
    happened to which referral when."""

    position: int
    id: uuid.UUID
    referral_id: uuid.UUID
    type: ActivityType
    occurred_date: datetime


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event noted during a write transaction, appended at its end (`append`)."""

    id: uuid.UUID
    referral_id: uuid.UUID
    type: ActivityType
    occurred_date: datetime


class EventsExpired(Exception):
    """The events after a cursor were pruned (older than the retention): the reader cannot
    resume from it without missing events. `argument` names the cursor's argument."""

    def __init__(self, after: int, horizon: int, *, argument: str = "after") -> None:
        super().__init__(
            f"`{argument}` is a cursor older than the event log's retention: events after it "
            "were deleted. Start again without it (and re-read the current state)."
        )
        self.after = after
        self.horizon = horizon
        self.argument = argument


async def append(conn: AsyncConnection, events: Sequence[PendingEvent]) -> int | None:
    """Append the events in the connection's open transaction, as its last writes; the
    newest position appended (None for no events). Commit right after (see the module)."""
    if not events:
        return None
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK)))
    rows = [
        {"id": e.id, "referral_id": e.referral_id, "type": e.type, "occurred_date": e.occurred_date}
        for e in events
    ]
    # One statement, rows numbered in the order given (a multi-row VALUES keeps its order).
    positions = (
        await conn.scalars(insert(referral_event).values(rows).returning(referral_event.c.position))
    ).all()
    return int(max(positions))


def _record(row: Row[Any]) -> EventRecord:
    return EventRecord(row.position, row.id, row.referral_id, row.type, row.occurred_date)


_COLUMNS = (
    referral_event.c.position,
    referral_event.c.id,
    referral_event.c.referral_id,
    referral_event.c.type,
    referral_event.c.occurred_date,
)


def _horizon() -> ColumnElement[int]:
    return (
        select(func.coalesce(func.max(referral_event_horizon.c.pruned_through), 0))
        .scalar_subquery()
        .label("horizon")
    )


async def read_after(
    conn: AsyncConnection,
    after: int,
    limit: int,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    argument: str = "after",
) -> list[EventRecord]:
    """Committed events with position > `after` (and the `where` terms over
    `referral_event`), ascending, at most `limit`. EventsExpired (naming `argument`) when
    events after `after` were pruned. One statement (two when nothing follows)."""
    rows = (
        await conn.execute(
            select(*_COLUMNS, _horizon())
            .where(referral_event.c.position > after, *where)
            .order_by(referral_event.c.position)
            .limit(limit)
        )
    ).all()
    horizon = rows[0].horizon if rows else await pruned_through(conn)
    if after < horizon:
        raise EventsExpired(after, horizon, argument=argument)
    return [_record(row) for row in rows]


async def pruned_through(conn: AsyncConnection) -> int:
    """The position up to which events may have been deleted (0: none ever were)."""
    return int(await conn.scalar(select(_horizon())) or 0)


async def check_cursor(conn: AsyncConnection, after: int, *, argument: str = "after") -> None:
    """EventsExpired when events after `after` may have been pruned."""
    horizon = await pruned_through(conn)
    if after < horizon:
        raise EventsExpired(after, horizon, argument=argument)


async def latest_position(conn: AsyncConnection) -> int:
    """The newest committed position (that of the last event pruning deleted, if it deleted
    every one), 0 for an empty log."""
    newest = await conn.scalar(select(func.max(referral_event.c.position)))
    return max(int(newest or 0), await pruned_through(conn))


async def prune(conn: AsyncConnection, older_than: datetime) -> int:
    """Delete the events that occurred before `older_than`, oldest first, stopping at the
    first one that did not (so the log keeps a contiguous tail); the number deleted.

    Cheap when run often: it walks the primary key from the oldest event to the first one it
    keeps, then deletes that range. Run it in its own transaction.
    """
    first_kept = await conn.scalar(
        select(referral_event.c.position)
        .where(referral_event.c.occurred_date >= older_than)
        .order_by(referral_event.c.position)
        .limit(1)
    )
    if first_kept is None:
        through = await conn.scalar(select(func.max(referral_event.c.position)))
        if through is None:
            return 0
    else:
        through = first_kept - 1
    result = await conn.execute(delete(referral_event).where(referral_event.c.position <= through))
    if result.rowcount:
        await _advance_horizon(conn, int(through))
    return int(result.rowcount or 0)


async def _advance_horizon(conn: AsyncConnection, through: int) -> None:
    """Record that positions up to `through` were deleted; never moves it back (two workers
    may prune at once)."""
    table = referral_event_horizon
    if conn.dialect.name == "postgresql":
        upsert = postgresql_insert(table).values(id=_HORIZON_ROW, pruned_through=through)
        newer = func.greatest(table.c.pruned_through, upsert.excluded.pruned_through)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[table.c.id], set_={"pruned_through": newer}
            )
        )
        return
    lite = sqlite_insert(table).values(id=_HORIZON_ROW, pruned_through=through)
    newest = func.max(table.c.pruned_through, lite.excluded.pruned_through)
    await conn.execute(
        lite.on_conflict_do_update(index_elements=[table.c.id], set_={"pruned_through": newest})
    )
