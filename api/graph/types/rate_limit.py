"""The organization's rate limit as the `rateLimit` field shows it (GitHub's shape)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.guards.budget import RateLimitState


@strawberry.type(
    description="Your organization's rate limit, in points: an operation costs one point per "
    "100 connection requests it may need (each connection counts once each time it is fetched), "
    "at least 1. The figures include the operation that asks."
)
class RateLimit:
    cost: int = strawberry.field(description="The points this operation cost.")
    limit: int = strawberry.field(description="The points your organization may spend a window.")
    used: int = strawberry.field(description="The points spent in this window, this one included.")
    remaining: int = strawberry.field(description="The points left in this window.")
    reset_at: datetime = strawberry.field(
        description="When the window ends and `remaining` is back to `limit`."
    )
    node_count: int = strawberry.field(
        description="The most objects this operation may load (the node limit counts these)."
    )

    @classmethod
    def from_state(cls, state: RateLimitState, node_count: int) -> RateLimit:
        return cls(
            cost=state.cost,
            limit=state.limit,
            used=state.used,
            remaining=state.remaining,
            reset_at=state.reset_at,
            node_count=node_count,
        )
