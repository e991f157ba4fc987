"""`referrals events prune`: delete events older than EVENT_RETENTION_DAYS."""

from __future__ import annotations

import asyncio

import typer

from api.retention import prune_once
from api.settings import Settings
from api.transport.view import utc_now
from db.engine import Database, create_engine

app = typer.Typer(
    help="The event log behind subscriptions and the events feed.", no_args_is_help=True
)


@app.command("prune")
def events_prune() -> None:
    """Delete the events older than EVENT_RETENTION_DAYS (the API also does so hourly).

    Cursors from before the oldest event kept are then refused with EVENTS_EXPIRED.
    """
    settings = Settings.from_env()

    async def prune() -> int:
        database = Database(create_engine(settings.database_url))
        try:
            return await prune_once(database, settings.event_retention, utc_now())
        finally:
            await database.dispose()

    deleted = asyncio.run(prune())
    typer.echo(f"Deleted {deleted} events older than {settings.event_retention.days} days.")
