"""The delivery queue: a lease keeps a delivery to one worker until it lapses, and on
PostgreSQL two workers sharing the queue never attempt one delivery at the same time."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from api.settings import Settings
from api.webhooks.worker import DeliveryWorker, running
from db.engine import Database, create_engine
from db.models import ActivityType
from db.tables import webhook
from db.webhooks import queue
from db.webhooks.fan_out import fan_out
from db.webhooks.log import prune_settled
from db.webhooks.queue import Outcome
from tests.api.webhooks.receiver import eventually, receiving
from tests.conftest import START
from tests.db.webhooks.support import KEY, Event, make_webhook, reader
from tests.factories import make_actor, make_referral

LEASE = timedelta(seconds=30)


async def _queued(database: Database, url: str, count: int, *, now: datetime) -> list[uuid.UUID]:
    """`count` deliveries of one webhook, due at `now`; their event ids."""
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        rows = await make_referral(conn, owner, created=START)
    await make_webhook(database, owner, url)
    events = [
        Event(position, uuid.uuid4(), rows.id, ActivityType.UPDATED, START)
        for position in range(1, count + 1)
    ]
    while await fan_out(database, reader(events), now=now, window=timedelta(hours=1)):
        pass
    return [event.id for event in events]


async def test_a_lease_keeps_a_delivery_to_one_worker_until_it_lapses(database: Database) -> None:
    await _queued(database, "https://hooks.example/in", 1, now=START)
    (first,) = await queue.claim(database, now=START, lease=LEASE, limit=10)
    assert first.attempts == 1
    # Leased: no other worker takes it meanwhile.
    assert await queue.claim(database, now=START + LEASE / 2, lease=LEASE, limit=10) == []
    # Its worker died mid-delivery: once the lease lapses, another takes it over.
    (second,) = await queue.claim(database, now=START + LEASE, lease=LEASE, limit=10)
    assert (second.id, second.attempts) == (first.id, 2)
    # The first worker's late outcome is not recorded; the holder's is.
    done = Outcome(succeeded=True, response_code=200, excerpt="ok")
    assert not await queue.settle(database, first, done, now=START + LEASE, retry_at=None)
    assert await queue.settle(database, second, done, now=START + LEASE, retry_at=None)
    assert await queue.statuses(database, [first.id]) == {first.id: "SUCCEEDED"}
    assert await queue.claim(database, now=START + 4 * LEASE, lease=LEASE, limit=10) == []


async def test_a_failed_attempt_waits_for_its_retry(database: Database) -> None:
    await _queued(database, "https://hooks.example/in", 1, now=START)
    (claimed,) = await queue.claim(database, now=START, lease=LEASE, limit=10)
    retry_at = START + timedelta(seconds=7)
    failed = Outcome(succeeded=False, response_code=500, excerpt="boom")
    assert await queue.settle(database, claimed, failed, now=START, retry_at=retry_at)
    early = retry_at - timedelta(seconds=1)
    assert await queue.claim(database, now=early, lease=LEASE, limit=9) == []
    (again,) = await queue.claim(database, now=retry_at, lease=LEASE, limit=10)
    assert again.attempts == 2
    assert await queue.settle(database, again, failed, now=retry_at, retry_at=None)
    assert await queue.statuses(database, [again.id]) == {again.id: "FAILED"}


async def test_two_workers_on_postgresql_never_attempt_one_delivery_at_once(
    database_url: str, database: Database
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite is served by one process, hence one worker")
    settings = Settings(
        database_url=database_url,
        gc_tuning=False,
        webhook_allow_private_addresses=True,
        webhook_poll_seconds=0.05,
        webhook_timeout_seconds=5.0,
        webhook_secret_key=KEY,
    )
    count = 60
    async with receiving(pause=0.02) as receiver:
        await _queued(database, receiver.url, count, now=datetime.now(UTC))
        # Two workers as two processes would be: each with its own engine and pool.
        workers = [
            DeliveryWorker(settings, Database(create_engine(database_url)), read_after=None)
            for _ in range(2)
        ]
        async with running(workers[0]), running(workers[1]):

            async def all_sent() -> bool:
                return (
                    len(receiver.received) >= count
                    and sum(w.tally.succeeded for w in workers) >= count
                )

            await eventually(all_sent, seconds=30)
            await asyncio.sleep(0.2)  # a duplicate, were there one, would arrive meanwhile
        for worker in workers:
            await worker._database.dispose()
    sent = Counter(r.headers["x-referrals-delivery-id"] for r in receiver.received)
    assert len(sent) == count
    assert set(sent.values()) == {1}  # each delivery attempted once: no worker took another's
    assert receiver.most_in_flight == 1
    assert all(worker.tally.attempts > 0 for worker in workers)  # they shared the queue
    assert sum(worker.tally.attempts for worker in workers) == count


async def test_a_paused_webhooks_deliveries_wait_and_are_not_due(database: Database) -> None:
    await _queued(database, "https://hooks.example/in", 2, now=START)
    assert await queue.next_due(database) == START
    async with database.engine.begin() as conn:
        await conn.execute(webhook.update().values(active=False))
    # Neither claimed nor due: a worker sleeps instead of polling for them.
    assert await queue.claim(database, now=START, lease=LEASE, limit=10) == []
    assert await queue.next_due(database) is None


async def test_settled_deliveries_past_the_retention_are_pruned(database: Database) -> None:
    await _queued(database, "https://hooks.example/in", 3, now=START)
    old, recent, pending = await queue.claim(database, now=START, lease=LEASE, limit=10)
    done = Outcome(succeeded=True, response_code=200, excerpt=None)
    await queue.settle(database, old, done, now=START, retry_at=None)
    await queue.settle(database, recent, done, now=START + timedelta(days=2), retry_at=None)
    # `pending` stays leased, then pending, whatever its age.
    cut = START + timedelta(days=1)
    assert await prune_settled(database, older_than=cut) == 1
    left = await queue.statuses(database, [old.id, recent.id, pending.id])
    assert left == {recent.id: "SUCCEEDED", pending.id: "PENDING"}
