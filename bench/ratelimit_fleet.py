"""`python -m bench.ratelimit --fleet`: one organization's admitted operations per window with
1 and 2 uvicorn workers over each rate-limit store (bench/ratelimit.py says what it prints).

Each run is a new organization (a token for a random one: the 1-point `rateLimit` query reads
no data), so every run starts a window of its own in the shared store; the window (60 s) is
longer than a run, so every run spends at most one budget.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from api.auth.tokens import mint_token
from bench.config import POSTGRES_ADMIN_URL, VAR_DIR
from bench.seed import sqlite_url
from bench.servers import running
from bench.workload import app_settings
from db import migrate

REDIS_URL = "redis://127.0.0.1:6379/0"
QUERY = b'{"query": "{ rateLimit { used remaining } }"}'  # 1 point
DATABASE = "referrals_ratelimit_bench"
WINDOW_SECONDS = 60
CONNECTION_ERROR = 0  # the "status" of a request whose connection failed


@dataclass(frozen=True, slots=True)
class Run:
    store: str
    workers: int
    statuses: dict[int, int]
    seconds: float
    spent_after: float | None  # seconds from the start to the last admitted operation

    def line(self, points: int) -> str:
        admitted, refused = self.statuses.get(200, 0), self.statuses.get(429, 0)
        others = {s: n for s, n in self.statuses.items() if s not in (200, 429)}
        total = sum(self.statuses.values())
        if refused and self.spent_after:
            pace = f"admitted {admitted / self.spent_after:.0f}/s until spent at "
            pace += f"{self.spent_after:.1f} s"
        else:
            pace = "the budget was not spent within the run"
        return (
            f"{self.store:<23} {self.workers} worker(s): admitted {admitted} of limit {points} "
            f"({admitted / points:.2f} x), refused {refused}"
            + (f", others {others}" if others else "")
            + f"; {pace}; {total / self.seconds:.0f} requests/s overall"
        )


async def _client(
    client: httpx.AsyncClient,
    deadline: float,
    start: float,
    statuses: Counter[int],
    last: list[float],
) -> None:
    while time.monotonic() < deadline:
        try:
            response = await client.post("/graphql", content=QUERY)
        except httpx.TransportError:  # a dropped connection: counted, not fatal
            statuses[CONNECTION_ERROR] += 1
            continue
        statuses[response.status_code] += 1
        if response.status_code == 200:
            last[0] = max(last[0], time.monotonic() - start)


async def _hammer(url: str, clients: int, seconds: float) -> tuple[Counter[int], float | None]:
    """`clients` connections of one new organization, without pause until the deadline (a
    refused operation is not retried later: the window outlasts the run)."""
    token = mint_token(
        app_settings(""),
        organization_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        now=datetime.now(UTC),
        lifetime=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    statuses: Counter[int] = Counter()
    last = [0.0]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:
        start = time.monotonic()
        deadline = start + seconds
        await asyncio.gather(
            *(_client(client, deadline, start, statuses, last) for _ in range(clients))
        )
    return statuses, (last[0] or None)


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def _postgres() -> Iterator[str]:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{DATABASE}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=DATABASE).render_as_string(False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


def _sqlite(directory: Path) -> str:
    url = sqlite_url(directory / "fleet.db")
    migrate.upgrade(url)
    return url


def _run(
    store: str,
    database: str,
    url: str,
    workers: int,
    env: dict[str, str],
    args: tuple[int, int, float],
) -> Run:
    points, clients, seconds = args
    settings = {
        "RATE_LIMIT_POINTS": str(points),
        "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS),
        # A limit below the 500 points of a 50,000-object operation needs a lower node limit.
        "MAX_QUERY_COST": str(min(50_000, points * 100)),
        "REDIS_URL": "",
        **env,
    }
    with running(
        "ours", database, url, workers=workers, timeout_s=60.0, throttled=True, env=settings
    ) as server:
        statuses, spent = asyncio.run(_hammer(server.url, clients, seconds))
    run = Run(store, workers, dict(sorted(statuses.items())), seconds, spent)
    sys.stdout.write(run.line(points) + "\n")
    sys.stdout.flush()
    return run


def main(points: int, clients: int, seconds: float, redis_url: str) -> None:
    if seconds >= WINDOW_SECONDS:
        raise SystemExit(f"--seconds must be shorter than the window ({WINDOW_SECONDS} s)")
    directory = VAR_DIR / "ratelimit"
    directory.mkdir(parents=True, exist_ok=True)
    sys.stdout.write(
        f"one organization, {clients} clients, {seconds:g} s a run, limit {points} points "
        f"per {WINDOW_SECONDS} s, a 1-point operation\n"
    )
    args = (points, clients, seconds)
    with _postgres() as postgres:
        for workers in (1, 2):
            _run("postgresql", "postgresql", postgres, workers, {}, args)
        for workers in (1, 2):
            _run("redis", "postgresql", postgres, workers, {"REDIS_URL": redis_url}, args)
    # Before this change: each worker counted in its own memory (now SQLite's one process).
    _run("memory (SQLite, before)", "sqlite", _sqlite(directory), 2, {}, args)
