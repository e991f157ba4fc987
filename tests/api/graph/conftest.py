"""The planner's differential tests' `twins` fixture (tests/api/graph/planner_twins.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings
from tests.api.graph.planner_twins import (
    Twins,
    own_budget,
)
from tests.fuzz.seed import seed_demo
from tests.helpers import MovableClock


@pytest.fixture
async def twins(database_url: str, clock: MovableClock) -> AsyncIterator[Twins]:
    settings = Settings(
        database_url=database_url, gc_tuning=False, rate_limit_points=10**12, query_planner=False
    )
    # Each app counts its own points (on PostgreSQL the settings' store is shared through the
    # database), so both answer the same rateLimit for the same sequence of operations.
    standard_app = create_app(settings, clock=clock, rate_limits=own_budget(settings))
    planned_settings = Settings(
        database_url=database_url, gc_tuning=False, rate_limit_points=10**12, query_planner=True
    )
    planned_app = create_app(
        planned_settings, clock=clock, rate_limits=own_budget(planned_settings)
    )
    assert not settings.query_planner
    async with LifespanManager(standard_app), LifespanManager(planned_app):
        async with standard_app.state.database.engine.begin() as conn:
            seed = await seed_demo(conn)
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                base_url="http://testserver",
            )
            for app in (standard_app, planned_app)
        ]
        async with clients[0] as standard, clients[1] as planned:
            yield Twins(standard, planned, settings, clock, seed)
