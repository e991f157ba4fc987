"""Demo loads for the tests: an empty database, a small load, and one of the default size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import DemoSize
from tests.db.demo.support import (
    Rows,
    load_and_read,
    new_engine,
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await new_engine(tmp_path / "demo.db")
    yield engine
    await engine.dispose()


@pytest.fixture
async def demo(tmp_path: Path) -> Rows:
    return await load_and_read(tmp_path / "demo.db")


@pytest.fixture(scope="module")
async def full(tmp_path_factory: pytest.TempPathFactory) -> Rows:
    """A load of the default size, as `make run` makes it."""
    return await load_and_read(tmp_path_factory.mktemp("full") / "demo.db", size=DemoSize())
