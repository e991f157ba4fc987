"""Fixtures of the cross-tenant probes: a world of organizations, a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from api.settings import Settings
from tests.cross_tenant.world import World, build_world
from tests.graphql_socket import serving
from tests.helpers import Api


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No webhook delivery worker: its writes would change the snapshots that prove a probe
    # wrote nothing.
    return Settings(database_url=database_url, gc_tuning=False, webhook_delivery=False)


@pytest.fixture
async def world(api: Api) -> World:
    return await build_world(api)


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base
