"""What a change-feed run must show, judged against the database's own record.

The record is the event log (`referral_event`, in position order) when the API has one, else
the activities table (in time order; main before issue 13). Every acknowledged write must be
in it, every event in it must reach every subscriber that wants it exactly once (by event ID)
and in order per referral, and every one must reach the webhook receiver with a valid
signature. Delays run to each event's first arrival from its occurred date (stamped by the
write before its commit) and from its write's acknowledgement (after the commit).
"""

from __future__ import annotations

import dataclasses
import statistics
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text

from db.engine import create_engine
from tests.faults.receiver import Receiver
from tests.faults.subscribers import Subscriber
from tests.faults.writers import APPENDS, Write

if TYPE_CHECKING:  # tests.faults.feed reads Logged from here
    from tests.faults.feed import FeedVerdict


@dataclass(frozen=True)
class Logged:
    event_id: uuid.UUID
    referral_id: uuid.UUID
    type: str
    occurred_at: float  # unix seconds


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _instant(value: Any) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def read_log(database_url: str) -> tuple[str, list[Logged]]:
    """The committed events in the order readers must see them, and which table said so."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            has_log = await conn.run_sync(lambda sync: inspect(sync).has_table("referral_event"))
            table, order = (
                ("referral_event", "position") if has_log else ("activity", "occurred_date, id")
            )
            rows = await conn.execute(
                text(f"SELECT id, referral_id, type, occurred_date FROM {table} ORDER BY {order}")
            )
            logged = [
                Logged(
                    _uuid(row[0]), _uuid(row[1]), str(row[2]).rsplit(".", 1)[-1], _instant(row[3])
                )
                for row in rows
            ]
    finally:
        await engine.dispose()
    return table, logged


def quantiles(delays: Sequence[float]) -> dict[str, float | None]:
    """Median and p99 in milliseconds (nearest rank)."""
    if not delays:
        return {"median_ms": None, "p99_ms": None}
    ordered = sorted(delays)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "median_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * p99, 1),
    }


@dataclass
class SubscriberVerdict:
    name: str
    expected: int
    missing: int
    duplicates: int  # an event ID received more than once
    unexpected: int  # received, but not in the log
    referrals_out_of_order: int
    connections: int
    resumed: int
    losses: Counter[str]  # why connections ended: an error code or an exception's class
    delays: list[float] = field(default_factory=list, repr=False)
    arrivals: dict[uuid.UUID, float] = field(default_factory=dict, repr=False)  # first, by ID


@dataclass
class WebhookVerdict:
    expected: int
    missing: int
    attempts: int  # POSTs that reached the receiver with a valid signature
    retries: int  # attempts beyond the first per event
    answered_500: int
    refused: int  # requests whose signature (or shape) was wrong
    mislabelled: int  # deliveries whose EventName or ReferralId is not their event's
    delays: list[float] = field(default_factory=list, repr=False)
    arrivals: dict[uuid.UUID, float] = field(default_factory=dict, repr=False)


@dataclass
class Verdict:
    log_table: str
    committed: int
    acknowledged: int
    acknowledged_missing: int  # acknowledged writes whose events are not in the log
    subscribers: list[SubscriberVerdict]
    webhooks: WebhookVerdict | None
    feed: FeedVerdict | None  # tests.faults.feed: the activity feed against the log
    # When the writer had its answer, for the events identified by it (notes, creations).
    acknowledgements: dict[uuid.UUID, float] = field(default_factory=dict, repr=False)

    def since_acknowledged(self, arrivals: dict[uuid.UUID, float]) -> list[float]:
        """Arrival minus acknowledgement (negative: the event came before the answer)."""
        return [arrivals[i] - at for i, at in self.acknowledgements.items() if i in arrivals]

    @property
    def lost(self) -> int:
        """Deliveries to subscribers that never came: (subscriber, event) pairs."""
        return sum(subscriber.missing for subscriber in self.subscribers)

    @property
    def duplicates(self) -> int:
        return sum(subscriber.duplicates for subscriber in self.subscribers)

    def figures(self) -> dict[str, Any]:
        delays = [d for subscriber in self.subscribers for d in subscriber.delays]
        expected = sum(subscriber.expected for subscriber in self.subscribers)
        figures: dict[str, Any] = {
            "log": self.log_table,
            "events_committed": self.committed,
            "writes_acknowledged": self.acknowledged,
            "acknowledged_writes_missing_from_log": self.acknowledged_missing,
            "subscriber_deliveries_expected": expected,
            "subscriber_deliveries_lost": self.lost,
            "lost_percent": round(100 * self.lost / expected, 1) if expected else 0.0,
            "subscriber_duplicates": self.duplicates,
            "subscriber_unexpected": sum(s.unexpected for s in self.subscribers),
            "referrals_out_of_order": sum(s.referrals_out_of_order for s in self.subscribers),
            "subscriber_connections": sum(s.connections for s in self.subscribers),
            "subscriber_resumes": sum(s.resumed for s in self.subscribers),
            "subscriber_disconnects": dict(sum((s.losses for s in self.subscribers), Counter())),
            # Commit lies between the two: occurredAt is stamped before it, the answer after.
            "subscriber_delay": {
                "from_occurred_at": quantiles(delays),
                "from_acknowledgement": quantiles(
                    [d for s in self.subscribers for d in self.since_acknowledged(s.arrivals)]
                ),
            },
        }
        if self.feed is not None:
            figures["feed"] = dataclasses.asdict(self.feed)
        if self.webhooks is not None:
            hooks = self.webhooks
            figures["webhook"] = {
                "events": hooks.expected,
                "missing": hooks.missing,
                "deliveries": hooks.attempts,
                "retries": hooks.retries,
                "answered_500": hooks.answered_500,
                "bad_signatures": hooks.refused,
                "mislabelled": hooks.mislabelled,
                "delay": {
                    "from_occurred_at": quantiles(hooks.delays),
                    "from_acknowledgement": quantiles(self.since_acknowledged(hooks.arrivals)),
                },
            }
        return figures


def judge_writes(log: Sequence[Logged], writes: Sequence[Write]) -> int:
    """Acknowledged writes not in the log: a note by its activity, the rest by counting each
    referral's events of the type the write appends."""
    ids = {event.event_id for event in log}
    have = Counter((event.referral_id, event.type) for event in log)
    want = Counter((w.referral_id, APPENDS[w.kind]) for w in writes if w.kind != "note")
    missing = sum(1 for w in writes if w.kind == "note" and w.activity_id not in ids)
    return missing + sum(max(0, count - have[key]) for key, count in want.items())


def acknowledgements(log: Sequence[Logged], writes: Sequence[Write]) -> dict[uuid.UUID, float]:
    """Event ID -> when its write was acknowledged: a note's activity, a creation's CREATED."""
    created = {e.referral_id: e.event_id for e in log if e.type == "CREATED"}
    found: dict[uuid.UUID, float] = {}
    for write in writes:
        event_id = write.activity_id if write.kind == "note" else created.get(write.referral_id)
        if write.kind in ("note", "create") and event_id is not None:
            found[event_id] = write.acknowledged_at
    return found


def wanted(log: Sequence[Logged], subscriber: Subscriber) -> list[Logged]:
    return [e for e in log if subscriber.referral_id in (None, e.referral_id)]


def judge_subscriber(log: Sequence[Logged], subscriber: Subscriber) -> SubscriberVerdict:
    expected = wanted(log, subscriber)
    occurred = {event.event_id: event.occurred_at for event in expected}
    counts = Counter(received.event_id for received in subscriber.received)
    first: dict[uuid.UUID, float] = {}
    for received in subscriber.received:
        first.setdefault(received.event_id, received.at)
    arrival = list(first)  # event IDs in the order they first arrived
    out_of_order = 0
    for referral_id in {event.referral_id for event in expected}:
        order = [e.event_id for e in expected if e.referral_id == referral_id]
        members = {event_id for event_id in order if event_id in first}
        arrived = [event_id for event_id in arrival if event_id in members]
        out_of_order += arrived != [event_id for event_id in order if event_id in members]
    return SubscriberVerdict(
        name=subscriber.name,
        expected=len(expected),
        missing=sum(1 for event in expected if event.event_id not in first),
        duplicates=sum(count - 1 for count in counts.values()),
        unexpected=sum(1 for event_id in first if event_id not in occurred),
        referrals_out_of_order=out_of_order,
        connections=subscriber.connections,
        resumed=subscriber.resumed,
        losses=Counter(subscriber.losses),
        delays=[first[i] - at for i, at in occurred.items() if i in first],
        arrivals=first,
    )


def event_name(activity_type: str) -> str:
    """Partner Center's name of an event: referral-created for a creation, else -updated."""
    return "referral-created" if activity_type == "CREATED" else "referral-updated"


def judge_webhooks(log: Sequence[Logged], receiver: Receiver) -> WebhookVerdict:
    delivered = receiver.delivered()
    per_event = Counter(delivery.event_id for delivery in receiver.deliveries)
    labels = {e.event_id: (event_name(e.type), str(e.referral_id)) for e in log}
    return WebhookVerdict(
        expected=len(log),
        missing=sum(1 for event in log if event.event_id not in delivered),
        attempts=len(receiver.deliveries),
        retries=sum(count - 1 for count in per_event.values()),
        answered_500=sum(1 for delivery in receiver.deliveries if delivery.answered == 500),
        refused=len(receiver.refused),
        mislabelled=sum(
            1
            for d in receiver.deliveries
            if labels.get(d.event_id, (d.body["EventName"], d.body["ReferralId"]))
            != (d.body["EventName"], d.body["ReferralId"])
        ),
        delays=[delivered[e.event_id] - e.occurred_at for e in log if e.event_id in delivered],
        arrivals=delivered,
    )
