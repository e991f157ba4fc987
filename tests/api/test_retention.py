"""Retention: events older than EVENT_RETENTION_DAYS are pruned by the app and by the CLI."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from asgi_lifespan import LifespanManager
from typer.testing import CliRunner

from api.app import create_app
from api.cli.commands import app as cli
from api.settings import Settings
from db import event_log
from db.engine import Database
from db.event_log import PendingEvent
from db.models import ActivityType
from tests.conftest import START
from tests.helpers import MovableClock


async def _append(database: Database, *when: datetime) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in when]
    async with database.engine.begin() as conn:
        await event_log.append(
            conn,
            [
                PendingEvent(i, uuid.uuid4(), ActivityType.UPDATED, at)
                for i, at in zip(ids, when, strict=True)
            ],
        )
    return ids


async def _kept(database: Database) -> list[uuid.UUID]:
    async with database.engine.connect() as conn:
        after = await event_log.pruned_through(conn)
        return [e.id for e in await event_log.read_after(conn, after, 100)]


def test_retention_is_a_setting_of_days() -> None:
    assert Settings.from_env({}).event_retention == timedelta(days=30)
    assert Settings.from_env({"EVENT_RETENTION_DAYS": "7"}).event_retention == timedelta(days=7)


async def test_the_app_prunes_what_retention_no_longer_keeps(
    database: Database, database_url: str, clock: MovableClock
) -> None:
    await _append(database, START - timedelta(days=8))
    kept = await _append(database, START - timedelta(days=6))
    settings = Settings(
        database_url=database_url, event_retention=timedelta(days=7), gc_tuning=False
    )
    async with LifespanManager(create_app(settings, clock=clock)):
        for _ in range(200):  # it prunes at start, in the background
            if await _kept(database) == kept:
                break
            await asyncio.sleep(0.02)
    assert await _kept(database) == kept


async def test_the_cli_prunes_with_the_configured_retention(
    database: Database, database_url: str
) -> None:
    now = datetime.now(UTC)
    await _append(database, now - timedelta(days=40))
    kept = await _append(database, now - timedelta(days=20))
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["events", "prune"],
        env={"DATABASE_URL": database_url, "EVENT_RETENTION_DAYS": "30"},
    )
    assert result.exit_code == 0, result.output
    assert "Deleted 1 events older than 30 days." in result.output
    assert await _kept(database) == kept
