"""The per-request context: who is asking, at what instant, and the request's loaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import strawberry

from api.auth.tokens import Principal
from api.graph.loaders import Loaders
from api.guards.budget import RateLimitState
from api.settings import Settings
from db.access import Viewer
from db.engine import Database

Clock = Callable[[], datetime]


@dataclass(slots=True)
class Context:
    settings: Settings
    database: Database
    viewer: Viewer
    loaders: Loaders
    request_id: str = "-"
    # Set by the guards (api.guards.extension) before the operation executes: the
    # organization's rate limit after this operation was charged (the `rateLimit` field and
    # the X-RateLimit-* headers show it), and the objects the operation may load.
    rate_limit: RateLimitState | None = None
    node_count: int | None = None

    def forget_reads(self) -> None:
        """Drop every loader cache: after a write, later fields must read the new state."""
        self.loaders = Loaders(self.database, self.viewer, self.loaders.connection)

    @classmethod
    def build(
        cls,
        *,
        settings: Settings,
        database: Database,
        principal: Principal,
        now: datetime,
        request_id: str = "-",
    ) -> Context:
        viewer = Viewer(principal.organization_id, principal.user_id, now)
        return cls(settings, database, viewer, Loaders(database, viewer), request_id)


Info = strawberry.Info[Context, None]
