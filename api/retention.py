"""The event log's retention: pruning events older than EVENT_RETENTION_DAYS.

Each worker prunes at start and then every `PRUNE_INTERVAL`: a walk of the primary key over
what has aged out since the last run and one ranged DELETE, so running it on every worker of
a fleet costs little, and two workers pruning at once delete nothing twice (the horizon only
moves forward). `referrals events prune` does the same once, for a cron job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from api.context import Clock
from api.errors import is_outage
from db import event_log
from db.engine import Database

PRUNE_INTERVAL = timedelta(hours=1)

log = logging.getLogger("referrals.events")


async def prune_once(database: Database, retention: timedelta, now: datetime) -> int:
    """Delete the events older than `retention` at `now`; how many."""
    async with database.engine.begin() as conn:
        return await event_log.prune(conn, now - retention)


@asynccontextmanager
async def pruning(
    database: Database, retention: timedelta, clock: Clock, *, every: timedelta = PRUNE_INTERVAL
) -> AsyncIterator[None]:
    """Prune in the background while the app runs."""

    async def run() -> None:
        while True:
            try:
                deleted = await prune_once(database, retention, clock())
                if deleted:
                    log.info("pruned %d events older than %s", deleted, retention)
            except Exception as error:  # next time; the log only grows a little meanwhile
                if is_outage(error):
                    log.warning("pruning events failed: %s", error)
                else:
                    log.exception("pruning events failed")
            await asyncio.sleep(every.total_seconds())

    task = asyncio.create_task(run(), name="referral-events-pruning")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
