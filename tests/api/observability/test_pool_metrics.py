"""The pool gauge follows the database pool's checkouts and checkins."""

from __future__ import annotations

import asyncio

import pytest

from api.settings import Settings
from tests.api.observability.scraping import sample, scrape
from tests.helpers import Api


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No webhook delivery worker: its own checkouts would move the gauge under the test.
    return Settings(database_url=database_url, gc_tuning=False, webhook_delivery=False)


async def test_the_pool_gauge_follows_checkouts(api: Api) -> None:
    in_use = "referrals_db_pool_connections_in_use"
    before = await _quiet(api, in_use)
    async with api.database.engine.connect():
        assert sample(await scrape(api), in_use) == before + 1
    assert sample(await scrape(api), in_use) == before


async def _quiet(api: Api, name: str) -> float:
    """The gauge once the app's start-up reads (the event hub's first read of the log, the
    first pruning) have given their connections back: two equal samples in a row."""
    previous = None
    for _ in range(100):
        current = sample(await scrape(api), name)
        if current == previous:
            return current
        previous = current
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} kept moving")
