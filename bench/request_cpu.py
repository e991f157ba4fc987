"""CPU time per request of our API in this process, a quick check between two versions.

`python -m bench.request_cpu [sqlite|postgresql] [requests] [page size] [clients]`: seeds
(once) a database of 1,000 referrals (SQLite in the temporary directory, PostgreSQL database
`referrals_request_cpu`), serves the app through ASGI (no sockets), warms it, then answers
the page `requests` times, `clients` at once (1 by default). It prints this process's CPU
time per request (user and system, every thread: aiosqlite's included), that of the
database's PostgreSQL backends (those alive at the end: a backend that exits meanwhile, as
an overflow connection's does, is not counted), and pool checkouts and new connections per
request. CPU time, not wall-clock: the machine is shared, and CPU time barely notices.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.app import create_app
from bench.config import POSTGRES_ADMIN_URL
from bench.cpu import process_cpu_seconds
from bench.workload import IN_PROCESS, VIEWER, app_settings, page_body, token
from db import migrate
from db.demo import DemoSize, load_demo
from db.engine import create_engine
from db.tables import referral

SIZE = DemoSize(
    referrals=1_000, participants_per_referral=3, users_per_participant=2, activities_per_referral=5
)
DATABASE = "referrals_request_cpu"


async def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)
    except Exception:
        return 0
    finally:
        await engine.dispose()


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await load_demo(conn, now=datetime.now(UTC), size=SIZE, seed=7)
        if engine.dialect.name != "sqlite":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def _create_postgres() -> str:
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        await admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=DATABASE).render_as_string(False)


def _backends(url: str) -> dict[int, float]:
    """CPU so far of each PostgreSQL backend serving the database (none for SQLite)."""
    name = make_url(url).database or ""
    if not url.startswith("postgresql"):
        return {}
    marker = f" {name} ".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes():
                found[int(entry.name)] = process_cpu_seconds(int(entry.name))
        except OSError:
            continue
    return found


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def database_url(kind: str) -> str:
    if kind == "postgresql":
        url = asyncio.run(_create_postgres())
    else:
        # Outside the checkout: the same file serves two versions compared side by side.
        url = f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / 'referrals-request-cpu.db'}"
    if asyncio.run(_count(url)) != SIZE.referrals:
        migrate.upgrade(url)
        asyncio.run(_seed(url))
    return url


async def measure(url: str, requests: int, page_size: int, clients: int = 1) -> dict[str, float]:
    now = datetime.now(UTC)
    # No deadline to speak of: under valgrind a request takes tens of seconds.
    settings = app_settings(url, **IN_PROCESS, resolver_deadline_seconds=3600.0)
    app = create_app(settings, clock=lambda: now)
    bearer = token(VIEWER, now=now)
    body = page_body(page_size)
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    counts = {"checkout": 0, "connect": 0}

    def counter(name: str) -> Any:
        def count(*_: Any) -> None:
            counts[name] += 1

        return count

    async with LifespanManager(app) as manager:
        engine = app.state.database.engine.sync_engine
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def page() -> None:
                response = await client.post("/graphql", content=body, headers=headers)
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise RuntimeError(response.text[:300])

            turn = asyncio.Semaphore(clients)

            async def client_page() -> None:
                async with turn:
                    await page()

            # Warmed at the measured concurrency: the pool holds what it will need, so any
            # connection opened while measuring is one a pool opens and closes under load.
            for _ in range(5):
                await asyncio.gather(*(client_page() for _ in range(clients)))
            for name in counts:
                event.listen(engine, name, counter(name))
            started = _backends(url)
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(client_page() for _ in range(requests)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            backends = _grown(started, _backends(url))
    return {
        "cpu_ms_per_request": cpu * 1000 / requests,
        "wall_ms_per_request": wall * 1000 / requests,
        "postgres_cpu_ms_per_request": backends * 1000 / requests,
        "checkouts_per_request": counts["checkout"] / requests,
        "connects": counts["connect"],
    }


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    page_size = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    clients = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    url = database_url(kind)
    result = asyncio.run(measure(url, requests, page_size, clients))
    sys.stdout.write(
        " ".join(
            [
                kind,
                f"page={page_size}",
                f"requests={requests}",
                f"clients={clients}",
                *(f"{k}={v:.2f}" for k, v in result.items()),
            ]
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
