"""The event hub: this worker's fan-out of committed referral changes to its subscribers.

Each subscriber has a bounded queue. Publishing never waits: a subscriber whose queue is full
is dropped and told so (`on_overflow`, which closes its connection), so a slow or stuck client
holds up neither the writes that publish nor the other subscribers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from db.engine import Database
from db.events import PostgresListener, ReferralChange, listen_locally


class Subscriber:
    """One subscription's queue of changes; `referral_id` None takes every referral's."""

    def __init__(
        self,
        hub: EventHub,
        referral_id: uuid.UUID | None,
        size: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self.referral_id = referral_id
        self._hub = hub
        self._queue: asyncio.Queue[ReferralChange] = asyncio.Queue(size)
        self._on_overflow = on_overflow

    def wants(self, change: ReferralChange) -> bool:
        return self.referral_id is None or self.referral_id == change.referral_id

    def offer(self, change: ReferralChange) -> bool:
        """Queue a change without waiting; False when the queue is full."""
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            return False
        return True

    def overflowed(self) -> None:
        self.close()
        self._on_overflow()

    async def get(self) -> ReferralChange:
        return await self._queue.get()

    def close(self) -> None:
        """Stop receiving; whatever is queued is dropped."""
        self._hub.remove(self)
        while not self._queue.empty():
            self._queue.get_nowait()


class EventHub:
    """The subscribers of this worker, each with a queue of `queue_size` changes."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self.overflows = 0  # subscribers dropped for being too slow, since start
        # The reads of a change in flight, by organization and change: every subscriber of one
        # organization takes a change at about the same moment and sees it alike, so they
        # share one read (api.graph.subscriptions.changes). The hub's, not the module's: one
        # table per app, gone with it.
        self.reads: dict[tuple[uuid.UUID, ReferralChange], asyncio.Task[Any]] = {}
        # Woken (no arguments) by every change: workers that read what changed from the
        # database themselves, such as the webhook delivery worker. Not subscribers.
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
        """Call `wake` (which must not block) after each change; returns how to stop."""
        self._watchers.append(wake)
        return lambda: self._watchers.remove(wake)

    def publish(self, change: ReferralChange) -> None:
        """Offer the change to every subscriber that wants it; drop those that cannot take it."""
        for wake in list(self._watchers):
            wake()
        for subscriber in list(self._subscribers):
            if subscriber.wants(change) and not subscriber.offer(change):
                self.overflows += 1
                subscriber.overflowed()


@asynccontextmanager
async def delivering(database: Database, hub: EventHub) -> AsyncIterator[None]:
    """Feed the hub with the changes committed through `database`: on PostgreSQL by this
    worker's LISTEN connection (changes made by any worker), else in-process."""
    if database.dialect != "postgresql":
        stop = listen_locally(database.engine, hub.publish)
        try:
            yield
        finally:
            stop()
        return
    listener = PostgresListener(database.engine.url, hub.publish)
    await listener.start()
    try:
        yield
    finally:
        await listener.stop()
