"""Fixtures of the fuzzing: a rate limit that never bites, a client that sees 500s, a seed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from api.settings import Settings
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.fuzz.harness import Fuzz
from tests.fuzz.seed import seed_demo
from tests.fuzz.strategies import custom_scalars
from tests.helpers import Actor, MovableClock


@pytest.fixture(name="settings")
def app_settings(database_url: str) -> Settings:  # overrides conftest's `settings` here
    # The clock of the tests stands still, so the organization's rate limit never resets:
    # a limit this large keeps every example reaching the resolvers instead of a 429.
    return Settings(database_url=database_url, rate_limit_points=10**12)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app that sees a crash as the 500 a real server would send."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def fuzz(
    app: Starlette, client: httpx.AsyncClient, settings: Settings, clock: MovableClock
) -> Fuzz:
    async with app.state.database.engine.begin() as conn:
        seed = await seed_demo(conn)
    return Fuzz(client, settings, clock, seed, custom_scalars(seed))


@pytest.fixture
async def actor(app: Starlette) -> Actor:
    """An organization with one referral of its own."""
    async with app.state.database.engine.begin() as conn:
        actor = await make_actor(conn)
        await make_referral(conn, actor, created=START - timedelta(days=1))
    return actor
