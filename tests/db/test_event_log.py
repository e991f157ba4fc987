"""The event log: appended in the write's transaction, read by position in commit order."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import event_log
from db.access import Viewer
from db.engine import Database
from db.event_log import EventsExpired, PendingEvent
from db.models import ActivityType
from db.refusals import Refused
from db.tables import activity, referral_event
from db.writes import add_note
from db.writes.steps import record
from db.writes.transaction import in_transaction
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor


async def _referral(database: Database, owner: Actor | None = None) -> tuple[Actor, uuid.UUID]:
    async with database.engine.begin() as conn:
        owner = owner or await make_actor(conn, f"Owner {uuid.uuid4().hex[:6]}")
        rows = await make_referral(conn, owner, created=START)
    return owner, rows.id


async def _all(database: Database) -> list[event_log.EventRecord]:
    async with database.engine.connect() as conn:
        return await event_log.read_after(conn, 0, 10_000)


async def test_each_activity_appends_one_event_with_its_id(database: Database) -> None:
    owner, referral_id = await _referral(database)
    viewer = Viewer(owner.organization_id, owner.user_id, START)
    first = await add_note(database, viewer, referral_id, "one")
    second = await add_note(database, viewer, referral_id, "two")
    logged = await _all(database)
    assert [(e.id, e.referral_id, e.type) for e in logged] == [
        (first, referral_id, ActivityType.NOTE_ADDED),
        (second, referral_id, ActivityType.NOTE_ADDED),
    ]
    assert logged[0].position < logged[1].position
    assert logged[0].occurred_date == START


async def test_a_rolled_back_write_appends_nothing(database: Database) -> None:
    owner, referral_id = await _referral(database)
    viewer = Viewer(owner.organization_id, owner.user_id, START)
    activities = select(func.count()).select_from(activity)
    async with database.engine.connect() as conn:
        before = await conn.scalar(activities)
    with pytest.raises(Refused):  # refused after nothing was written
        await add_note(database, viewer, referral_id, "stale", expected_version=7)

    async def fails_after_recording(conn: AsyncConnection) -> None:
        await record(conn, referral_id, ActivityType.NOTE_ADDED, START, note="gone")
        raise RuntimeError("the write fails after recording")

    with pytest.raises(RuntimeError):
        await in_transaction(database, fails_after_recording)
    assert await _all(database) == []
    async with database.engine.connect() as conn:
        assert await conn.scalar(activities) == before


async def test_read_after_pages_in_position_order(database: Database) -> None:
    _, referral_id = await _referral(database)
    ids = [uuid.uuid4() for _ in range(5)]
    await _append(database, referral_id, ids)
    async with database.engine.connect() as conn:
        first = await event_log.read_after(conn, 0, 3)
        rest = await event_log.read_after(conn, first[-1].position, 3)
        assert await event_log.read_after(conn, rest[-1].position, 3) == []
        assert await event_log.latest_position(conn) == rest[-1].position
    assert [e.id for e in first + rest] == ids


async def _append(
    database: Database, referral_id: uuid.UUID, ids: Sequence[uuid.UUID], *, days_ago: int = 0
) -> None:
    when = START - timedelta(days=days_ago)
    async with database.engine.begin() as conn:
        await event_log.append(
            conn, [PendingEvent(i, referral_id, ActivityType.UPDATED, when) for i in ids]
        )


async def test_pruning_keeps_recent_events_and_refuses_older_cursors(database: Database) -> None:
    _, referral_id = await _referral(database)
    await _append(database, referral_id, [uuid.uuid4() for _ in range(3)], days_ago=40)
    recent = [uuid.uuid4() for _ in range(2)]
    await _append(database, referral_id, recent, days_ago=1)
    before = await _all(database)
    async with database.engine.begin() as conn:
        assert await event_log.prune(conn, START - timedelta(days=30)) == 3
    async with database.engine.begin() as conn:
        assert await event_log.prune(conn, START - timedelta(days=30)) == 0
    async with database.engine.connect() as conn:
        # A reader at the last pruned event misses nothing; one before it would.
        kept = await event_log.read_after(conn, before[2].position, 10)
        assert [e.id for e in kept] == recent
        with pytest.raises(EventsExpired) as refused:
            await event_log.read_after(conn, before[1].position, 10)
        assert "`after`" in str(refused.value)
        with pytest.raises(EventsExpired):
            await event_log.check_cursor(conn, 0)


async def test_pruning_everything_keeps_positions_growing(database: Database) -> None:
    _, referral_id = await _referral(database)
    await _append(database, referral_id, [uuid.uuid4()], days_ago=40)
    (old,) = await _all(database)
    async with database.engine.begin() as conn:
        assert await event_log.prune(conn, START) == 1
    async with database.engine.connect() as conn:
        assert await event_log.latest_position(conn) == old.position
        assert await event_log.read_after(conn, old.position, 10) == []  # not expired
        with pytest.raises(EventsExpired):
            await event_log.read_after(conn, old.position - 1, 10)
    await _append(database, referral_id, [uuid.uuid4()])
    async with database.engine.connect() as conn:
        (new,) = await event_log.read_after(conn, old.position, 10)
    assert new.position > old.position  # never handed out again (AUTOINCREMENT on SQLite)


async def test_a_reader_tailing_concurrent_writers_never_skips_an_event(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers commit in an order of their own; a reader that asks only for positions after
    the last one it read must still see every committed event, in position order."""
    writers, notes_each = 8, 6
    referrals = [await _referral(database) for _ in range(writers)]
    real_append = event_log.append

    async def slow_to_commit(conn: AsyncConnection, pending: Sequence[PendingEvent]) -> int | None:
        newest = await real_append(conn, pending)
        await asyncio.sleep(random.uniform(0, 0.01))  # between drawing positions and commit
        return newest

    monkeypatch.setattr(event_log, "append", slow_to_commit)  # as db.events calls it

    async def write(owner: Actor, referral_id: uuid.UUID) -> None:
        viewer = Viewer(owner.organization_id, owner.user_id, START)
        for n in range(notes_each):
            await add_note(database, viewer, referral_id, f"note {n}")

    seen: list[int] = []
    done = asyncio.Event()

    async def tail() -> None:
        last = 0
        while True:
            finished = done.is_set()
            async with database.engine.connect() as conn:
                batch = await event_log.read_after(conn, last, 1000)
            seen.extend(e.position for e in batch)
            last = batch[-1].position if batch else last
            if finished and not batch:
                return
            await asyncio.sleep(0)

    reader = asyncio.create_task(tail())
    async with asyncio.timeout(60):
        await asyncio.gather(*(write(owner, r) for owner, r in referrals))
        done.set()
        await reader
    async with database.engine.connect() as conn:
        committed = (await conn.scalars(select(referral_event.c.position))).all()
    assert len(committed) == writers * notes_each
    assert seen == sorted(committed)
