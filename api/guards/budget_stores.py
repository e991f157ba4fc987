"""Which store counts the rate limit's points, and the PostgreSQL one.

Redis when REDIS_URL is set; else PostgreSQL when the database is PostgreSQL; else (SQLite, one
process) this process's memory. Every worker of a fleet then charges one budget: N workers
no longer grant N budgets.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.engine import make_url

from api.errors import is_outage
from api.guards.budget import (
    InMemoryRateLimitStore,
    RateLimitState,
    RateLimitStore,
    RateLimitUnavailable,
)
from api.guards.budget_redis import RedisRateLimitStore
from api.settings import Settings
from db import rate_limits

DATABASE_UNAVAILABLE = "The database is unavailable; retry shortly."


def rate_limit_store(settings: Settings) -> RateLimitStore:
    """The store the settings call for; it connects on its first charge, not here."""
    window = timedelta(seconds=settings.rate_limit_window_seconds)
    if settings.redis_url is not None:
        return RedisRateLimitStore(settings.redis_url, settings.rate_limit_points, window)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        # A charge holds its connection for one statement: a quarter of the data pool's
        # connections (at least 2, as many again in overflow) admits thousands a second.
        return PostgresRateLimitStore(
            settings.database_url,
            settings.rate_limit_points,
            window,
            pool_size=max(2, settings.pool_size // 4),
        )
    return InMemoryRateLimitStore(settings.rate_limit_points, window)


class PostgresRateLimitStore:
    """Fixed windows per organization in the `rate_limit_window` table (db.rate_limits): one
    statement, one round trip, per charge."""

    def __init__(self, url: str, limit: int, window: timedelta, *, pool_size: int) -> None:
        self.limit = limit
        self.window = window
        self.engine = rate_limits.create_rate_limit_engine(url, pool_size=pool_size)

    async def charge(
        self, organization_id: uuid.UUID, cost: int, *, now: datetime, dry_run: bool = False
    ) -> RateLimitState:
        for attempt in (1, 2):
            try:
                if dry_run:
                    return await self._peek(organization_id, cost, now)
                charged = await rate_limits.charge(
                    self.engine,
                    organization_id,
                    cost,
                    limit=self.limit,
                    length=self.window,
                    now=now,
                )
                break
            except Exception as error:
                # One retry when the pooled connection turned out dead (the server restarted
                # since it was last used): the pool has invalidated it, the next is fresh, so
                # a restart costs the request that met it nothing here. At worst the dead
                # connection's statement had run and the operation is charged twice.
                if attempt == 1 and getattr(error, "connection_invalidated", False):
                    continue
                if not is_outage(error):
                    raise
                raise RateLimitUnavailable(DATABASE_UNAVAILABLE) from error
        return RateLimitState(cost, self.limit, charged.used, charged.reset_at, charged.admitted)

    async def _peek(self, organization_id: uuid.UUID, cost: int, now: datetime) -> RateLimitState:
        found = await rate_limits.peek(self.engine, organization_id)
        used, reset_at = (0, now + self.window) if found is None or found[1] <= now else found
        return RateLimitState(cost, self.limit, used, reset_at, used + cost <= self.limit)

    async def close(self) -> None:
        await self.engine.dispose()
