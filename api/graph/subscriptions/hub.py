"""The event hub: this worker's reader of the event log and fan-out to its subscribers.

A wake-up (a NOTIFY on PostgreSQL, a local commit on SQLite, a listener's reconnection) asks
the hub to read the log after the last position it published: one read per wake-up for the
whole worker, however many subscribers it has, and wake-ups that arrive while a read runs
merge into the next read. Events are published in position order, each once.

Each subscriber has a bounded queue. Publishing never waits: a subscriber whose queue is full
is dropped and told so (`on_overflow`, which closes its connection), so a slow or stuck client
holds up neither the log's reader nor the other subscribers; it resumes from its last cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from db import event_log
from db.engine import Database
from db.event_log import EventRecord, EventsExpired
from db.events import PostgresListener, backoff_delays, listen_locally

# Events per read of the log; a wake-up after a burst reads until the log is exhausted.
READ_BATCH = 500
# How long start-up waits for the hub's first reads.
SETTLE_SECONDS = 5.0

log = logging.getLogger("referrals.subscriptions")


class Subscriber:
    """One subscription's queue of events; `referral_id` None takes every referral's."""

    def __init__(
        self,
        hub: EventHub,
        referral_id: uuid.UUID | None,
        size: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self.referral_id = referral_id
        self._hub = hub
        self._queue: asyncio.Queue[EventRecord] = asyncio.Queue(size)
        self._on_overflow = on_overflow

    def wants(self, event: EventRecord) -> bool:
        return self.referral_id is None or self.referral_id == event.referral_id

    def offer(self, event: EventRecord) -> bool:
        """Queue an event without waiting; False when the queue is full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True

    def overflowed(self) -> None:
        self.close()
        self._on_overflow()

    async def get(self) -> EventRecord:
        return await self._queue.get()

    def close(self) -> None:
        """Stop receiving; whatever is queued is dropped."""
        self._hub.remove(self)
        while not self._queue.empty():
            self._queue.get_nowait()


class EventHub:
    """The subscribers of this worker, each with a queue of `queue_size` events, and the
    position of the log through which events have been published to them."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self.position = 0  # every event up to here was published (set at `run` start)
        self._subscribers: set[Subscriber] = set()
        self._wanted = asyncio.Event()
        self.started = asyncio.Event()  # `position` holds the log's position at start
        self._idle = asyncio.Event()  # started, no read pending or under way
        self.overflows = 0  # subscribers dropped for being too slow, since start
        self.reads_done = 0  # reads of the log, since start (one per wake-up or fewer)
        self.listener: PostgresListener | None = None  # PostgreSQL only (readiness)
        # The reads of an event in flight, by organization and event: every subscriber of one
        # organization takes an event at about the same moment and sees it alike, so they
        # share one read (api.graph.subscriptions.changes). The hub's, not the module's: one
        # table per app, gone with it.
        self.reads: dict[tuple[uuid.UUID, int], asyncio.Task[Any]] = {}
        # Woken (no arguments) whenever the log grows: workers that read the log themselves,
        # such as the webhook delivery worker. Not subscribers.
        self._watchers: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(
        self, referral_id: uuid.UUID | None, on_overflow: Callable[[], None]
    ) -> Subscriber:
        subscriber = Subscriber(self, referral_id, self.queue_size, on_overflow)
        self._subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def watch(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake` (which must not block) whenever the log grows; returns how to stop."""
        self._watchers.append(wake)
        return lambda: self._watchers.remove(wake)

    async def settle(self) -> None:
        """Wait until the hub has its start position and no read is pending or under way."""
        await self._idle.wait()

    def listener_health(self) -> tuple[bool, str]:
        """Readiness of the wake-ups: on PostgreSQL, whether the LISTEN connection is up (while
        it is down, subscribers get events only once it is back)."""
        if self.listener is None:
            return True, "in-process"
        return (True, "connected") if self.listener.listening.is_set() else (False, "disconnected")

    def wake(self, position: int) -> None:
        """The log has grown (to `position`, or 0 when unknown): read it soon."""
        for watcher in list(self._watchers):
            watcher()
        if position and not self._subscribers and self.started.is_set():
            # Nobody here to publish to: take the position without reading the log (a fleet's
            # workers mostly serve no subscription, and each write wakes every one of them).
            # Everything up to it is committed (appends are serialized, db.event_log), and a
            # read still under way publishes only what a later subscriber skips as seen.
            self.position = max(self.position, position)
            return
        if position == 0 or position > self.position:
            self._wanted.set()
            self._idle.clear()

    def publish(self, event: EventRecord) -> None:
        """Offer the event to every subscriber that wants it; drop those that cannot take it."""
        for subscriber in list(self._subscribers):
            if subscriber.wants(event) and not subscriber.offer(event):
                self.overflows += 1
                subscriber.overflowed()
        self.position = max(self.position, event.position)

    async def catch_up(self, database: Database) -> None:
        """Read the log after `position` until it is exhausted, publishing in order."""
        while True:
            async with database.engine.connect() as conn:
                try:
                    events = await event_log.read_after(conn, self.position, READ_BATCH)
                except EventsExpired as expired:  # stalled longer than the retention
                    log.error("event hub fell behind retention; skipping to %d", expired.horizon)
                    self.position = expired.horizon
                    continue
            self.reads_done += 1
            for event in events:  # no await in between: a subscriber sees the batch whole
                self.publish(event)
            if len(events) < READ_BATCH:
                return

    async def run(self, database: Database) -> None:
        """Start at the log's newest position, then read after each wake-up; a failed read
        (the database away) is retried with short capped back-off."""
        delays = backoff_delays()
        while True:
            try:
                async with database.engine.connect() as conn:
                    self.position = await event_log.latest_position(conn)
                self.started.set()
                break
            except Exception as error:
                log.warning("event hub cannot read the log yet (%s)", error)
                await asyncio.sleep(next(delays))
        delays = backoff_delays()
        while True:
            if not self._wanted.is_set():
                self._idle.set()
            await self._wanted.wait()
            self._idle.clear()
            self._wanted.clear()
            try:
                await self.catch_up(database)
                delays = backoff_delays()
            except Exception as error:  # an outage: keep the wake-up and try again shortly
                log.warning("event hub cannot read the log (%s); retrying", error)
                self._wanted.set()
                await asyncio.sleep(next(delays))


@asynccontextmanager
async def delivering(database: Database, hub: EventHub) -> AsyncIterator[None]:
    """Feed the hub from the log of `database`, woken on PostgreSQL by this worker's LISTEN
    connection (events appended by any worker), else in-process."""
    reader = asyncio.create_task(hub.run(database), name="referral-events-hub")
    stop: Callable[[], None] | None = None
    try:
        if database.dialect == "postgresql":
            hub.listener = PostgresListener(database.engine.url, hub.wake)
            await hub.listener.start()
        else:
            stop = listen_locally(database.engine, hub.wake)
        # Start serving once the start-up reads are done (bounded: the database may be down),
        # so that the background holds no connection while the first requests arrive.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_SECONDS):
                await hub.settle()
        yield
    finally:
        if stop is not None:
            stop()
        if hub.listener is not None:
            await hub.listener.stop()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
