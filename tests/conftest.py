"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on data of its own."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlmodel import SQLModel
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from db import migrate
from db.engine import Database, create_engine
from tests.helpers import Api, MovableClock

POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "referrals.db"
    _blocking(migrate.upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session on the PostgreSQL server, migrated by Alembic."""
    name = f"referrals_test_{uuid.uuid4().hex[:12]}"
    try:
        _blocking(_admin, f"CREATE DATABASE {name}")
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_SERVER} is not usable: {error}"
        if IN_CI:
            pytest.fail(message + " (the PostgreSQL leg must run in CI)")
        pytest.skip(message)
    url = POSTGRES_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{url}/{name}"
    try:
        _blocking(migrate.upgrade, url)
        yield url
    finally:
        _blocking(_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_SERVER, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def _blocking(function: Callable[[str], None], argument: str) -> None:
    """Run set-up that owns its own event loop (Alembic, admin SQL) off the test loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, argument).result()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> str:
    """A migrated, empty database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "referrals.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No GC tuning in tests: freezing each test app's objects would keep the suite's garbage.
    return Settings(database_url=database_url, gc_tuning=False)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> AsyncIterator[Starlette]:
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def api(app: Starlette, settings: Settings, clock: MovableClock) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, settings, clock, app.state.database)
