"""The fault test's judge, on made-up runs: it must see a loss, a duplicate, a reordering, a
stranger and a forged signature, or the fault test could pass a broken feed."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from tests.faults.feed import judge_feed
from tests.faults.oracle import Logged, judge_subscriber, judge_writes
from tests.faults.receiver import signature_valid
from tests.faults.subscribers import Received, Subscriber
from tests.faults.writers import Write

A, B = uuid.uuid4(), uuid.uuid4()  # two referrals
LOG = [
    Logged(uuid.uuid4(), A, "CREATED", 1.0),
    Logged(uuid.uuid4(), B, "CREATED", 2.0),
    Logged(uuid.uuid4(), A, "NOTE_ADDED", 3.0),
    Logged(uuid.uuid4(), A, "UPDATED", 4.0),
]


def subscriber(*event_ids: uuid.UUID, referral_id: uuid.UUID | None = None) -> Subscriber:
    listener = Subscriber("s", 0, "token", lambda _: [], True, referral_id=referral_id)
    by_id = {event.event_id: event for event in LOG}
    for index, event_id in enumerate(event_ids):
        referral = by_id[event_id].referral_id if event_id in by_id else A
        listener.received.append(Received(event_id, referral, 10.0 + index))
    return listener


def ids(*indexes: int) -> list[uuid.UUID]:
    return [LOG[index].event_id for index in indexes]


def test_every_event_once_in_order_is_clean() -> None:
    verdict = judge_subscriber(LOG, subscriber(*ids(0, 1, 2, 3)))
    assert (verdict.missing, verdict.duplicates, verdict.unexpected) == (0, 0, 0)
    assert verdict.referrals_out_of_order == 0
    assert verdict.delays == [9.0] * 4  # arrivals at 10..13, occurred at 1..4


def test_other_referrals_interleaved_are_still_in_order() -> None:
    verdict = judge_subscriber(LOG, subscriber(*ids(0, 2, 1, 3)))
    assert verdict.referrals_out_of_order == 0


def test_a_loss_a_duplicate_a_reordering_and_a_stranger_are_each_seen() -> None:
    stranger = uuid.uuid4()
    verdict = judge_subscriber(LOG, subscriber(*ids(0, 3, 2, 0), stranger))
    assert verdict.missing == 1  # LOG[1]
    assert verdict.duplicates == 1  # LOG[0] twice
    assert verdict.referrals_out_of_order == 1  # A: UPDATED before NOTE_ADDED
    assert verdict.unexpected == 1


def test_a_filtered_subscriber_owes_only_its_referral() -> None:
    verdict = judge_subscriber(LOG, subscriber(*ids(1), referral_id=B))
    assert (verdict.expected, verdict.missing) == (1, 0)


def test_acknowledged_writes_missing_from_the_log_are_counted() -> None:
    writes = [
        Write("note", A, 5.0, activity_id=LOG[2].event_id),
        Write("note", A, 5.0, activity_id=uuid.uuid4()),  # acknowledged, never logged
        Write("update", A, 5.0),
        Write("update", A, 6.0),  # a second UPDATED that the log lacks
        Write("create", B, 2.5),
    ]
    assert judge_writes(LOG, writes) == 2


def test_the_feed_must_list_the_run_once_in_order() -> None:
    earlier = uuid.uuid4()
    assert judge_feed(LOG, [earlier, *ids(0, 1, 2, 3)]).in_order
    reordered = judge_feed(LOG, ids(1, 0, 2, 3))
    assert not reordered.in_order
    short = judge_feed(LOG, ids(0, 1, 3))
    assert (short.missing, short.in_order) == (1, False)


def test_only_the_secret_signs_and_old_signatures_are_refused() -> None:
    body, now = b'{"EventId": "x"}', time.time()

    def header(secret: str, at: int) -> str:
        mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={mac}"

    assert signature_valid("s3cret", header("s3cret", int(now)), body, now)
    assert not signature_valid("s3cret", header("other", int(now)), body, now)
    assert not signature_valid("s3cret", header("s3cret", int(now)), body + b" ", now)
    assert not signature_valid("s3cret", header("s3cret", int(now) - 3600), body, now)
    assert not signature_valid("s3cret", "v1=deadbeef", body, now)
