"""The benchmark's data: a pristine seeded SQLite file (reused) and a PostgreSQL database.

SQLite: `var/bench/seed-<n>.db` is made once and reused while it holds the right size; every
run works on a fresh copy, so the mixed run's writes never leak into the next run.
PostgreSQL: `referrals_bench` is dropped, created, migrated and seeded by every run, and
dropped again at its end.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.config import POSTGRES_ADMIN_URL, POSTGRES_DATABASE, VAR_DIR
from db import demo, migrate, rules
from db.demo import DemoSize, load_demo
from db.engine import create_engine
from db.tables import activity, participant, participant_user, referral

Log = Callable[[str], None]
SIZE = DemoSize(
    referrals=10_000,
    participants_per_referral=3,
    users_per_participant=2,
    activities_per_referral=5,
)
SEED = 7


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _right_size(counts: dict[str, int]) -> bool:
    """The referrals asked for, with at least their participants and users (an organization
    invited again after its invitation lapsed has a second participant row)."""
    participants = SIZE.referrals * SIZE.participants_per_referral
    return (
        counts["referral"] == SIZE.referrals
        and counts["participant"] >= participants
        and counts["participant_user"] >= participants * SIZE.users_per_participant
    )


def _generator_fingerprint() -> str:
    """The demo generator's source (the `db.demo` package and the `db.rules` it plays by):
    seeded data made by another version is made again."""
    digest = hashlib.sha256()
    for path in [*sorted(Path(demo.__file__).parent.glob("*.py")), Path(rules.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


async def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: (
                    await conn.execute(select(func.count()).select_from(table))
                ).scalar_one()
                for table in (referral, participant, participant_user, activity)
            }
    finally:
        await engine.dispose()


async def _load(url: str, now: datetime) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await load_demo(conn, now=now, size=SIZE, seed=SEED)
        if engine.dialect.name == "sqlite":
            async with engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # What autovacuum would do after a bulk load, done now so timings do not depend
            # on when it happens to run.
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def pristine_sqlite(log: Log) -> Path:
    """The seeded SQLite file, made (migrated and loaded) unless a right-sized one exists."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"seed-{SIZE.referrals}.db"
    marker = path.with_suffix(".json")
    wanted = {
        "size": asdict(SIZE),
        "seed": SEED,
        "head": migrate.head_revision(),
        "generator": _generator_fingerprint(),
    }
    if path.exists() and marker.exists():
        try:
            recorded = json.loads(marker.read_text())
        except ValueError:
            recorded = {}
        same = {k: recorded.get(k) for k in wanted} == wanted
        if same and _right_size(asyncio.run(row_counts(sqlite_url(path)))):
            log(f"reusing {path.relative_to(VAR_DIR.parent.parent)}")
            return path
    log(f"seeding {SIZE.referrals} referrals into SQLite (once; reused by later runs)")
    _remove_sqlite(path)
    marker.unlink(missing_ok=True)
    now = datetime.now(UTC)
    migrate.upgrade(sqlite_url(path))
    asyncio.run(_load(sqlite_url(path), now))
    counts = asyncio.run(row_counts(sqlite_url(path)))
    if not _right_size(counts):
        raise RuntimeError(f"seeded SQLite holds {counts}, expected {asdict(SIZE)}")
    marker.write_text(json.dumps({**wanted, "seeded_at": now.isoformat()}, indent=2) + "\n")
    return path


def working_sqlite(pristine: Path) -> Path:
    """A fresh copy of the seeded file for this run (the mixed run writes to it)."""
    copy = VAR_DIR / "run.db"
    _remove_sqlite(copy)
    shutil.copyfile(pristine, copy)
    return copy


def drop_working_sqlite(path: Path) -> None:
    _remove_sqlite(path)


def postgres_url() -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=POSTGRES_DATABASE).render_as_string(False)


async def _admin(statements: list[str]) -> list[object]:
    """Run statements on the server's admin database (autocommit); the first column of each."""
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    answers: list[object] = []
    try:
        async with engine.connect() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                answers.append(result.scalar() if result.returns_rows else None)
    finally:
        await engine.dispose()
    return answers


async def postgres_version() -> tuple[str | None, str | None]:
    """(the server's version, None) when it answers, else (None, why not)."""
    try:
        (answer,) = await asyncio.wait_for(_admin(["SHOW server_version"]), timeout=10)
    except Exception as error:  # any failure to connect means: measure SQLite only
        return None, f"{type(error).__name__}: {error}"
    return f"PostgreSQL {answer}", None


def create_postgres(log: Log) -> str:
    """Drop, create, migrate and seed `referrals_bench`; its async URL."""
    log(f"seeding {SIZE.referrals} referrals into PostgreSQL database {POSTGRES_DATABASE}")
    asyncio.run(
        _admin(
            [
                f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)',
                f'CREATE DATABASE "{POSTGRES_DATABASE}"',
            ]
        )
    )
    url = postgres_url()
    migrate.upgrade(url)
    asyncio.run(_load(url, datetime.now(UTC)))
    counts = asyncio.run(row_counts(url))
    if not _right_size(counts):
        raise RuntimeError(f"seeded PostgreSQL holds {counts}, expected {asdict(SIZE)}")
    return url


def drop_postgres() -> None:
    asyncio.run(_admin([f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)']))
