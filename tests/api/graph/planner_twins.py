"""The twin apps of the planner's differential tests: the standard executor and the planned
one over one database, and the values their generated queries draw."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from api.auth.tokens import mint_token
from api.guards.budget import InMemoryRateLimitStore
from api.settings import Settings
from db.demo import DEMO_ORGANIZATIONS
from tests.fuzz.seed import Seed
from tests.fuzz.strategies import custom_scalars, id_values
from tests.helpers import MovableClock

CONTRACT = Path(__file__).parents[2] / "contract"
QUERIES = sorted(CONTRACT.glob("queries/*.graphql"))
VIEWERS = DEMO_ORGANIZATIONS[:2]
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class Twins:
    """The standard app and the planned one, and what to send them."""

    def __init__(
        self,
        standard: httpx.AsyncClient,
        planned: httpx.AsyncClient,
        settings: Settings,
        clock: MovableClock,
        seed: Seed,
    ) -> None:
        self.standard = standard
        self.planned = planned
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.scalars = custom_scalars(seed)  # the fuzzing's: mostly wrong, for the errors
        self.likely = likely_scalars(seed)  # mostly right, for data

    def __repr__(self) -> str:  # Hypothesis prints a failing example's arguments
        return "Twins(standard, planned)"

    async def compare(
        self, query: str, variables: dict[str, Any] | None, viewer: int = 0
    ) -> dict[str, Any]:
        """Send the operation to both apps; their answers must be the same. The body."""
        organization = VIEWERS[viewer]
        token = mint_token(
            self.settings,
            organization_id=organization.id,
            user_id=organization.demo_user_id,
            now=self.clock(),
        )
        request = {
            "json": {"query": query, "variables": variables or {}},
            # One request id for both: an unexpected error's message quotes it.
            "headers": {"Authorization": f"Bearer {token}", "X-Request-ID": "differential"},
        }
        standard = await self.standard.post("/graphql", **request)  # type: ignore[arg-type]
        planned = await self.planned.post("/graphql", **request)  # type: ignore[arg-type]
        assert planned.status_code == standard.status_code, query
        assert planned.json() == standard.json(), query
        assert [planned.headers.get(h) for h in RATE_LIMIT_HEADERS] == [
            standard.headers.get(h) for h in RATE_LIMIT_HEADERS
        ]
        body: dict[str, Any] = standard.json()
        return body


def own_budget(settings: Settings) -> InMemoryRateLimitStore:
    return InMemoryRateLimitStore(
        settings.rate_limit_points, timedelta(seconds=settings.rate_limit_window_seconds)
    )


def likely_scalars(seed: Seed) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Argument values that mostly find rows: seeded IDs, small pages, plain texts."""
    ids = st.one_of(
        st.sampled_from(seed.global_ids), st.sampled_from(seed.global_ids), id_values(seed)
    )
    return {
        "ID": ids.map(nodes.String),
        "Int": st.integers(-1, 6).map(nodes.Int),
        "String": st.sampled_from(("", "a", "DE", "EUR", "Contoso", "teams")).map(nodes.String),
        "DateTime": st.sampled_from(
            ("2026-11-24T12:00:00Z", "2025-01-01T00:00:00+02:00", "2027-06-30T00:00:00Z")
        ).map(nodes.String),
        "Date": st.sampled_from(("2026-11-24", "2027-06-30")).map(nodes.String),
        "Decimal": st.sampled_from(("0", "1000.50", "50000")).map(nodes.String),
    }
