"""A private Redis server for the rate limit's tests (tests/redis_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_server import PrivateRedis, private_redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[PrivateRedis]:
    """One server for the session: each test's organizations are new, so keys never meet."""
    with private_redis() as server:
        yield server
