"""Each organization's rate limit, in points, as GitHub's GraphQL API counts them.

An operation costs one point per 100 requests it may need: every connection is one request
each time it is fetched (so `referrals(first: 100) { nodes { activities(first: 10) } }` needs
1 + 100 requests), the sum divided by 100 and rounded, at least 1 point. A list screen paging
100 referrals at a time spends 1 point a page; an operation near the node limit spends
hundreds. Each organization may spend `limit` points per window; the window starts with its
first operation and `reset_at` ends it.

The store is an interface (api.guards.budget_stores picks one): every worker shares one budget
through PostgreSQL or Redis; only SQLite's single process keeps it in memory. A store that cannot
be reached refuses the operation as an outage (503), never lets it through uncounted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from api.errors import ErrorCode, OperationError

REQUESTS_PER_POINT = 100
# Organizations kept before windows that have ended are swept from memory.
SWEEP_ABOVE = 10_000


def points(requests: int) -> int:
    """An operation's points for the connection requests it may need: requests / 100,
    rounded half up, at least 1 (GitHub's rule)."""
    return max(1, (requests + REQUESTS_PER_POINT // 2) // REQUESTS_PER_POINT)


def most_points(max_cost: int) -> int:
    """The most points one operation within the node limit can cost: each request of a
    connection asks for at least one node, so requests never exceed the node limit."""
    return points(max_cost)


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """An organization's rate limit after an operation was charged (or refused)."""

    cost: int  # the operation's points
    limit: int
    used: int  # points spent in this window
    reset_at: datetime
    allowed: bool  # False: the operation was refused and nothing was charged

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def retry_after(self, now: datetime) -> float:
        """Seconds until the window resets (when a refused operation may run)."""
        return max(0.0, (self.reset_at - now).total_seconds())


class RateLimited(OperationError):
    """The organization's points are spent: the operation did not run. Over HTTP the view
    answers 429 with Retry-After (api.guards.responses)."""

    def __init__(self, state: RateLimitState, now: datetime) -> None:
        self.state = state
        self.retry_after = state.retry_after(now)  # exact: Retry-After rounds it up
        super().__init__(
            f"Your organization's rate limit is spent: this operation costs {state.cost} "
            f"points and {state.remaining} of {state.limit} are left until "
            f"{state.reset_at.isoformat()}; retry in {self.retry_after:.0f} s.",
            ErrorCode.RATE_LIMITED,
            retryAfter=round(self.retry_after),
        )


class RateLimitUnavailable(OperationError):
    """The store that counts the points cannot be reached: the operation did not run, as
    when the database is down (the view answers 503 with Retry-After; clients retry)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.SERVICE_UNAVAILABLE)


class RateLimitStore(Protocol):
    """Where each organization's points are counted; async so that a shared store fits.

    A refused operation spends nothing. A shared store raises RateLimitUnavailable (from the
    driver's error) when it cannot be reached."""

    async def charge(
        self, organization_id: uuid.UUID, cost: int, *, now: datetime, dry_run: bool = False
    ) -> RateLimitState:
        """Spend `cost` points if they fit in the window (not when `dry_run`), and tell."""
        ...

    async def close(self) -> None:
        """Release connections (the app's lifespan ends)."""
        ...


@dataclass(slots=True)
class _Window:
    used: int
    reset_at: datetime


class InMemoryRateLimitStore:
    """Fixed windows per organization, in this worker's memory: for SQLite's one process."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[uuid.UUID, _Window] = {}

    async def charge(
        self, organization_id: uuid.UUID, cost: int, *, now: datetime, dry_run: bool = False
    ) -> RateLimitState:
        window = self._windows.get(organization_id)
        if window is None or window.reset_at <= now:
            if len(self._windows) >= SWEEP_ABOVE:
                self._sweep(now)
            window = _Window(0, now + self.window)
            if not dry_run:
                self._windows[organization_id] = window
        allowed = window.used + cost <= self.limit
        if allowed and not dry_run:
            window.used += cost
        return RateLimitState(cost, self.limit, window.used, window.reset_at, allowed)

    async def close(self) -> None:
        self._windows.clear()

    def _sweep(self, now: datetime) -> None:
        for organization_id in [k for k, w in self._windows.items() if w.reset_at <= now]:
            del self._windows[organization_id]
