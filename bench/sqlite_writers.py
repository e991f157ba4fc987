"""Concurrent writers on SQLite: how many fail, and how long they take (issue 10).

    .venv/bin/python -m bench.sqlite_writers [--writers 32] [--rounds 50]
        [--busy-timeout-ms 5000] [--no-queue]

Each round, `--writers` addReferralNote mutations on as many different referrals go through
the ASGI app at once, in this process, on a fresh SQLite file in a temporary directory; the
next round starts when all have answered. Prints the failures (HTTP errors, GraphQL errors
such as "Internal error", userErrors), the latency percentiles, and whether every write
landed. `--no-queue` turns off the in-process writer queue (`Database.writing`), as before
the fix, to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from bench.workload import bench_user_headers, new_referral
from db import engine as engine_module
from db import migrate
from db.tables import activity

CREATE = """mutation ($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { code } } }"""
NOTE = """mutation ($input: AddReferralNoteInput!) {
  addReferralNote(input: $input) { activity { id } userErrors { code } } }"""


@asynccontextmanager
async def _no_queue(self: engine_module.Database) -> AsyncIterator[None]:
    yield


async def run(path: Path, *, writers: int, rounds: int) -> int:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        rate_limit_points=10**9,
        gc_tuning=False,
        metrics=False,
    )
    app = create_app(settings)
    async with LifespanManager(app):
        database = app.state.database
        async with database.engine.begin() as conn:
            headers = await bench_user_headers(conn, settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def send(query: str, variables: dict[str, object]) -> tuple[str, float]:
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                elapsed = time.perf_counter() - started
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    return "failed", elapsed
                (payload,) = body["data"].values()
                errors = payload["userErrors"]
                return (errors[0]["code"] if errors else "OK"), elapsed

            referral_ids = []
            for index in range(writers):
                variables = {"input": new_referral(f"Bench {index}")}
                response = await client.post(
                    "/graphql", json={"query": CREATE, "variables": variables}, headers=headers
                )
                referral_ids.append(response.json()["data"]["createReferral"]["referral"]["id"])

            outcomes: Counter[str] = Counter()
            latencies: list[float] = []
            for round_ in range(rounds):
                answers = await asyncio.gather(
                    *(
                        send(NOTE, {"input": {"referralId": rid, "note": f"round {round_}"}})
                        for rid in referral_ids
                    )
                )
                for outcome, elapsed in answers:
                    outcomes[outcome] += 1
                    latencies.append(elapsed)
        async with database.engine.connect() as conn:
            notes = await conn.scalar(
                select(func.count()).select_from(activity).where(activity.c.type == "NOTE_ADDED")
            )
    writes = writers * rounds
    cuts = statistics.quantiles(latencies, n=100)
    failures = writes - outcomes["OK"]
    sys.stdout.write(
        f"{writers} writers x {rounds} rounds = {writes} writes on SQLite\n"
        f"outcomes: {dict(outcomes)}\n"
        f"failures: {failures} ({failures / writes:.2%})\n"
        f"latency ms: p50 {cuts[49] * 1000:.0f}, p99 {cuts[98] * 1000:.0f}, "
        f"max {max(latencies) * 1000:.0f}\n"
        f"notes stored: {notes} of {outcomes['OK']} answered OK\n"
    )
    return 0 if outcomes["OK"] == writes == notes else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--busy-timeout-ms", type=int, default=engine_module.SQLITE_BUSY_TIMEOUT_MS)
    parser.add_argument("--no-queue", action="store_true", help="writers race as before the fix")
    args = parser.parse_args()
    if not (1 <= args.writers <= 200 and 1 <= args.rounds <= 1000):
        parser.error("--writers takes 1..200 and --rounds 1..1000")
    engine_module.SQLITE_BUSY_TIMEOUT_MS = args.busy_timeout_ms
    if args.no_queue:
        engine_module.Database.writing = _no_queue  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory(prefix="sqlite-writers-") as directory:
        path = Path(directory) / "referrals.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{path}")
        return asyncio.run(run(path, writers=args.writers, rounds=args.rounds))


if __name__ == "__main__":
    sys.exit(main())
