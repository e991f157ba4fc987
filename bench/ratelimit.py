"""Does the default rate limit let a list screen page? 16 clients of one organization page
ReferralPage (100 a page) against one server at default settings, on SQLite with the demo
data, for 20 s, then as many send a crawler's operation for a window (60 s); prints requests,
200s and 429s of each.

    .venv/bin/python -m bench.ratelimit [--clients 16] [--seconds 20] [--crawl-seconds 60]

Does a fleet grant one budget? With `--fleet`, clients of one organization send a 1-point
operation as fast as they can, for less than one window, to 1 and then 2 uvicorn workers over
each shared store (PostgreSQL; Redis at `--redis-url`), and, for contrast, to 2 workers
counting in memory (SQLite): it prints the operations admitted against the limit (load-
independent: a shared store admits exactly `--points` whatever the workers) and the rates
(which depend on the machine's load).

    .venv/bin/python -m bench.ratelimit --fleet [--points 500] [--clients 32] [--seconds 15]

Bounded: uvicorn on 127.0.0.1, stopped by PID at the end; every client stops at the deadline;
the PostgreSQL database it creates is dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bench import ratelimit_fleet as fleet
from bench.config import VAR_DIR
from bench.seed import sqlite_url
from bench.servers import running
from bench.workload import REFERRAL_PAGE, token
from db import migrate
from db.demo import load_demo
from db.engine import create_engine

# 40,100 objects (within the node limit) in 10,101 connection requests: 101 points.
CRAWL = """{ referrals(first: 100) { nodes { activities(first: 100) { nodes {
    actor { referralActivities(first: 3) { nodes { id } } } } } } } }"""


@dataclass(frozen=True, slots=True)
class Outcome:
    requests: int
    statuses: dict[int, int]

    def line(self, what: str, seconds: float) -> str:
        ok, limited = self.statuses.get(200, 0), self.statuses.get(429, 0)
        others = {s: n for s, n in self.statuses.items() if s not in (200, 429)}
        return (
            f"{what}: {self.requests} requests in {seconds:g} s ({self.requests / seconds:.1f}/s), "
            f"{ok} x 200, {limited} x 429" + (f", others {others}" if others else "")
        )


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await load_demo(conn, now=datetime.now(UTC))
    finally:
        await engine.dispose()


async def _client(
    client: httpx.AsyncClient, query: str, deadline: float, statuses: Counter[int]
) -> None:
    after: str | None = None
    while time.monotonic() < deadline:
        variables: dict[str, Any] = {"first": 100, "after": after}
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        statuses[response.status_code] += 1
        if response.status_code == 429:
            # A well-behaved client waits as told, unless that outlasts the run.
            wait = float(response.headers.get("retry-after", "1"))
            await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))
            continue
        page = (response.json().get("data") or {}).get("referrals") or {}
        info = page.get("pageInfo") or {}
        after = info.get("endCursor") if info.get("hasNextPage") else None


async def _load(url: str, query: str, clients: int, seconds: float) -> Outcome:
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token()}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30.0
    ) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client(client, query, deadline, statuses) for _ in range(clients)))
    return Outcome(sum(statuses.values()), dict(sorted(statuses.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--crawl-seconds", type=float, default=60.0)
    parser.add_argument("--fleet", action="store_true", help="one budget over 1 and 2 workers")
    parser.add_argument("--points", type=int, default=500, help="--fleet: RATE_LIMIT_POINTS")
    parser.add_argument("--redis-url", default=fleet.REDIS_URL, help="--fleet: Redis to use")
    args = parser.parse_args()
    if args.fleet:
        fleet.main(args.points, args.clients, args.seconds, args.redis_url)
        return
    directory = VAR_DIR / "ratelimit"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    url = sqlite_url(directory / "demo.db")
    migrate.upgrade(url)
    asyncio.run(_seed(url))
    with running("ours", "sqlite", url, workers=1, timeout_s=60.0, throttled=True) as server:
        page = asyncio.run(_load(server.url, REFERRAL_PAGE, args.clients, args.seconds))
        sys.stdout.write(
            page.line(f"{args.clients} clients paging ReferralPage", args.seconds) + "\n"
        )
    # A fresh server (a fresh window) for the crawler.
    with running("ours", "sqlite", url, workers=1, timeout_s=60.0, throttled=True) as server:
        crawl = asyncio.run(_load(server.url, CRAWL, args.clients, args.crawl_seconds))
        sys.stdout.write(
            crawl.line(f"{args.clients} clients crawling (101 points each)", args.crawl_seconds)
            + "\n"
        )


if __name__ == "__main__":
    main()
