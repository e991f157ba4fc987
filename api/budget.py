"""A per-organization leaky bucket of query cost."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class _Bucket:
    level: float
    updated: datetime


class CostBudget:
    """Each operation pours its cost in; the bucket drains at a steady rate.

    Kept in the worker's memory: with N workers an organization may spend up to N budgets
    (a shared store is the step for a fleet; see the README).
    """

    def __init__(self, capacity: int, drain_per_second: float) -> None:
        self.capacity = capacity
        self.drain_per_second = drain_per_second
        self._buckets: dict[uuid.UUID, _Bucket] = {}

    def spend(self, organization_id: uuid.UUID, cost: int, *, now: datetime) -> float | None:
        """Pour `cost` in and return None, or the seconds to wait if it would overflow."""
        bucket = self._buckets.get(organization_id)
        if bucket is None:
            bucket = self._buckets[organization_id] = _Bucket(0.0, now)
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.level = max(bucket.level - elapsed * self.drain_per_second, 0.0)
        bucket.updated = now
        overflow = bucket.level + cost - self.capacity
        if overflow > 0:
            return math.ceil(overflow / self.drain_per_second)
        bucket.level += cost
        return None

    def remaining(self, organization_id: uuid.UUID) -> int:
        bucket = self._buckets.get(organization_id)
        return self.capacity - math.ceil(bucket.level) if bucket else self.capacity
