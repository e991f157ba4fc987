"""The event hub's fan-out: each change to every subscriber that wants it, none waiting."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest

from api.graph.subscriptions.hub import EventHub
from db.event_log import EventRecord
from db.models import ActivityType
from tests.conftest import START

_positions = itertools.count(1)


def _change(referral_id: uuid.UUID | None = None) -> EventRecord:
    referral_id = referral_id or uuid.uuid4()
    return EventRecord(next(_positions), uuid.uuid4(), referral_id, ActivityType.UPDATED, START)


async def test_a_change_reaches_every_subscriber_that_wants_it() -> None:
    hub = EventHub(queue_size=4)
    watched = uuid.uuid4()
    everything = hub.subscribe(None, on_overflow=lambda: None)
    one = hub.subscribe(watched, on_overflow=lambda: None)
    other = hub.subscribe(uuid.uuid4(), on_overflow=lambda: None)
    first, second = _change(watched), _change()
    hub.publish(first)
    hub.publish(second)
    assert [await everything.get(), await everything.get()] == [first, second]
    assert await one.get() == first
    with pytest.raises(TimeoutError):  # nothing was queued for `other`
        await asyncio.wait_for(other.get(), 0.05)
    for subscriber in (everything, one, other):
        subscriber.close()
    assert len(hub) == 0


async def test_a_closed_subscriber_receives_nothing_more() -> None:
    hub = EventHub(queue_size=2)
    gone = hub.subscribe(None, on_overflow=lambda: None)
    stays = hub.subscribe(None, on_overflow=lambda: None)
    gone.close()
    change = _change()
    hub.publish(change)
    assert len(hub) == 1
    assert await stays.get() == change
    assert hub.overflows == 0


async def test_overflow_counts_and_tells_only_the_full_subscriber() -> None:
    hub = EventHub(queue_size=1)
    told: list[str] = []
    full = hub.subscribe(None, on_overflow=lambda: told.append("full"))
    reading = hub.subscribe(None, on_overflow=lambda: told.append("reading"))
    hub.publish(_change())
    assert await reading.get() is not None
    hub.publish(_change())  # `full` still holds the first: it is dropped
    assert told == ["full"]
    assert hub.overflows == 1
    assert len(hub) == 1
    full.close()  # closing twice is harmless
    reading.close()
