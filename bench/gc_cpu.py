"""CPU per 100-referral page under the garbage collector's settings:
`python -m bench.gc_cpu [off | young,middle,old] [--requests N]` (issue 10).

In this process, through ASGI (no sockets): our app over a fresh SQLite file of 300 demo
referrals, 16 concurrent clients sending ReferralPage with first: 100, two each to warm up,
then N (bounded) timed. Prints the process's CPU time per request, the client's share
included (the same for every setting, so compare settings, not with other benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from api import app as app_module
from bench.memory import REFERRAL_PAGE, prepare_database
from bench.workload import app_settings, token

CONCURRENCY = 16


async def cpu_ms_per_page(
    url: str, thresholds: tuple[int, int, int] | None, requests: int
) -> float:
    if thresholds is not None:
        app_module.GC_THRESHOLDS = thresholds
    settings = app_settings(url, gc_tuning=thresholds is not None, resolver_deadline_seconds=300.0)
    app = app_module.create_app(settings)
    headers = {"Authorization": f"Bearer {token()}", "Content-Type": "application/json"}
    body = json.dumps({"query": REFERRAL_PAGE, "variables": {"first": 100}})
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://bench"
        ) as client,
    ):

        async def send(count: int) -> None:
            for _ in range(count):
                response = await client.post("/graphql", content=body, headers=headers)
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

        await asyncio.gather(*(send(2) for _ in range(CONCURRENCY)))
        each = max(1, requests // CONCURRENCY)
        started = time.process_time()
        await asyncio.gather(*(send(each) for _ in range(CONCURRENCY)))
        return (time.process_time() - started) * 1000 / (each * CONCURRENCY)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gc_cpu", description=__doc__)
    parser.add_argument(
        "thresholds", nargs="?", default=",".join(map(str, app_module.GC_THRESHOLDS))
    )
    parser.add_argument("--requests", type=int, default=160)
    args = parser.parse_args()
    thresholds: tuple[int, int, int] | None = None
    if args.thresholds != "off":
        young, middle, old = (int(part) for part in args.thresholds.split(","))
        thresholds = (young, middle, old)
    with tempfile.TemporaryDirectory(prefix="referrals-gc-cpu-") as scratch:
        url = prepare_database(Path(scratch), 300)
        ms = asyncio.run(cpu_ms_per_page(url, thresholds, min(args.requests, 2000)))
    collections = [stats["collections"] for stats in gc.get_stats()]
    sys.stdout.write(
        f"GC {args.thresholds}: {ms:.1f} ms CPU per 100-referral page "
        f"(collections by generation since start: {collections})\n"
    )


if __name__ == "__main__":
    main()
