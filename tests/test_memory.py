"""Memory comes back (issue 10): a request's rows go when it answers, and a worker's RSS stays
flat across rounds of the frontends' read load."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Row

from bench.memory import Plan, measure
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Api

REFERRAL_PAGE = (
    Path(__file__).parent / "contract" / "queries" / "ReferralPage.graphql"
).read_text()

# The RSS rounds. One uvicorn worker over 300 demo referrals (the viewer sees ~220: pages of
# 100 are full), 16 clients, 150 requests of the read mix a round (~5 s of server CPU).
# Measured on the 2-core machine, rounds 2-4 against round 1: before the fix +23% / +39% /
# +44% (still climbing: a request's rows waited in reference cycles for a full collection);
# after it, at most +1.8% and +5.9% in two runs (+8.7% in one with other thresholds). 15% is
# the bound; the second check (round 4 within 10% of round 2) catches a steady climb
# that starts lower.
ROUNDS = Plan(referrals=300, rounds=4, requests_per_round=150, settle_s=1.0, idle_s=0.0)
WITHIN_FIRST_ROUND = 0.15
CLIMB_AFTER_SECOND_ROUND = 0.10


@contextmanager
def cyclic_garbage() -> Iterator[Counter[str]]:
    """Counts by type of what only the cyclic collector would free, of objects made inside
    the block: collection is off meanwhile, and one full collection at its end is counted."""
    found: Counter[str] = Counter()
    gc.collect()
    gc.disable()
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.update(
            "Row" if isinstance(thing, Row) else type(thing).__name__ for thing in gc.garbage
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_an_answered_page_leaves_none_of_its_rows_to_the_garbage_collector(
    api: Api,
) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        for index in range(30):
            await make_referral(conn, owner, created=START - timedelta(minutes=index + 1))

    with cyclic_garbage() as garbage:
        data = await api.query(REFERRAL_PAGE, {"first": 30}, actor=owner)
        assert len(data["referrals"]["edges"]) == 30
        del data

    # Before issue 10, every row and future a request's loaders held (here hundreds) lived in
    # reference cycles until the collector's next full pass: under GC_TUNING, minutes of load.
    assert garbage["Row"] == 0, garbage.most_common(8)
    assert garbage["LoaderTask"] == 0, garbage.most_common(8)


def test_a_worker_s_rss_stays_flat_across_rounds_of_read_load() -> None:
    readings = measure(ROUNDS)

    assert readings.requests == [ROUNDS.requests_per_round] * ROUNDS.rounds
    assert readings.errors == [0] * ROUNDS.rounds, readings.error_samples
    report = "; ".join(readings.lines())
    first, second, *_, last = readings.rounds_kb
    assert max(readings.rounds_kb) <= first * (1 + WITHIN_FIRST_ROUND), report
    assert last <= second * (1 + CLIMB_AFTER_SECOND_ROUND), report
