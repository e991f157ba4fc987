"""PostgreSQL sessions opened on the benchmark's database: what a pool that churns costs.

`pg_stat_database.sessions` counts every session established to the database, those closed
since included; a backend reports its own at its first flush of statistics, at most a second
after its last transaction (PostgreSQL 15), so the count is read after a short pause.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
from sqlalchemy.engine import make_url

from bench.config import POSTGRES_ADMIN_URL, POSTGRES_DATABASE

FLUSH_WAIT_S = 1.5  # past PostgreSQL's PGSTAT_MIN_INTERVAL (1 s)


async def _sessions() -> int | None:
    url = make_url(POSTGRES_ADMIN_URL)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(dsn, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        found = await connection.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1", POSTGRES_DATABASE
        )
    finally:
        await connection.close()
    return None if found is None else int(found)


def sessions_so_far(database: str, *, settle: bool = False) -> int | None:
    """Sessions established to the benchmark's PostgreSQL database so far; None on SQLite.

    With `settle`, first waits for the backends of a load just ended to report theirs.
    """
    if database != "postgresql":
        return None
    if settle:
        time.sleep(FLUSH_WAIT_S)
    return asyncio.run(_sessions())


def opened(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before
