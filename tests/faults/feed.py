"""The activity feed as a polling integration reads it: `events(orderBy: OLDEST_FIRST)` paged
forward from the start, which must list the log's events once each, in the log's order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from tests.faults.oracle import Logged

PAGE = """query Feed($after: String) { events(first: 100, after: $after, orderBy: OLDEST_FIRST) {
  edges { cursor node { eventId } } pageInfo { hasNextPage endCursor } } }"""
MAX_PAGES = 100


@dataclass(frozen=True)
class FeedVerdict:
    listed: int
    missing: int  # in the log, not in the feed
    extra: int  # in the feed, not in the log
    in_order: bool  # the feed lists the log's events in the log's order, each once


async def read_feed(client: httpx.AsyncClient, base: str, token: str) -> list[uuid.UUID]:
    event_ids: list[uuid.UUID] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        response = await client.post(
            f"http://{base}/graphql",
            json={"query": PAGE, "variables": {"after": after}},
            headers={"Authorization": f"Bearer {token}"},
        )
        page = response.json()["data"]["events"]
        event_ids += [uuid.UUID(edge["node"]["eventId"]) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return event_ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"the feed has more than {MAX_PAGES} pages")


def judge_feed(log: Sequence[Logged], listed: Sequence[uuid.UUID]) -> FeedVerdict:
    """`listed` may start with events from before the run; `log` has the run's only."""
    wanted = [event.event_id for event in log]
    run = set(wanted)
    ours = [event_id for event_id in listed if event_id in run]
    return FeedVerdict(
        listed=len(ours),
        missing=len(run - set(ours)),
        extra=0 if not wanted else len(listed) - listed.index(wanted[0]) - len(ours),
        in_order=ours == wanted,
    )
