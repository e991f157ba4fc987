"""The database pool's connections in use, kept current from the pool's own events."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.observability.metrics import POOL_IN_USE


def instrument_pool(engine: AsyncEngine) -> None:
    """Keep POOL_IN_USE current from the pool's own checkout and checkin events."""
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())
