"""Issue 13's proof: a change feed that loses nothing, through faults.

PostgreSQL leg: a private cluster (initdb into a temporary directory, its own port), two
uvicorn workers, six graphql-ws subscribers (one following a single referral), a webhook
receiver on 127.0.0.1 answering 500 to the first attempt at every fourth event, four
concurrent writers (create, update, note, invite, accept, reject); mid-run two subscribers go
away and resume from their cursor, PostgreSQL is stopped hard and started, and a worker is
killed with kill -9 and started again (tests/faults/scenario.py has the timeline). SQLite leg:
one worker, the same clients, no faults. Each leg is bounded (Plan.budget_seconds).

Then, against the database's own event log: every acknowledged write's events reached every
subscriber exactly once by event ID and in order per referral, nothing else arrived, and
every event was delivered to the webhook at least once with a valid signature.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults.scenario import Plan, run

LEGS = {
    "postgresql-2-workers-with-faults": Plan("postgresql", workers=2, faults=True),
    "sqlite-1-worker": Plan("sqlite", workers=1, faults=False),
}


@pytest.mark.parametrize("leg", LEGS)
async def test_no_event_is_lost_or_repeated(leg: str, tmp_path: Path) -> None:
    result = await run(LEGS[leg], tmp_path)
    figures = json.dumps(result.figures(), indent=1)
    verdict = result.verdict
    assert verdict.acknowledged >= 50, figures  # the run did write, through the faults
    assert verdict.acknowledged_missing == 0, figures
    assert verdict.lost == 0, figures
    assert result.features.resumable, "referralEvents has no eventId/cursor:\n" + figures
    for subscriber in verdict.subscribers:
        assert subscriber.expected > 0, figures
        assert subscriber.duplicates == 0, figures
        assert subscriber.unexpected == 0, figures
        assert subscriber.referrals_out_of_order == 0, figures
    assert sum(subscriber.resumed for subscriber in verdict.subscribers) >= 2, figures
    assert verdict.feed is not None, "the API has no events feed:\n" + figures
    assert verdict.feed.missing == 0, figures
    assert verdict.feed.extra == 0, figures
    assert verdict.feed.in_order, figures
    assert result.features.webhooks, "the API has no createWebhook:\n" + figures
    hooks = verdict.webhooks
    assert hooks is not None
    assert hooks.missing == 0, figures
    assert hooks.refused == 0, figures  # every delivery was signed with the secret
    assert hooks.mislabelled == 0, figures  # named as Partner Center names it, for its referral
    assert hooks.answered_500 > 0, figures  # the receiver refused some first attempts
    assert hooks.retries >= hooks.answered_500, figures  # and each was tried again
