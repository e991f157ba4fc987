"""`/metrics` can be turned off; several workers get a fresh shared directory for their metrics."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.observability import exposition
from api.settings import Settings
from tests.helpers import MovableClock


async def test_metrics_can_be_turned_off(database_url: str, clock: MovableClock) -> None:
    app = create_app(Settings(database_url=database_url, metrics=False), clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/metrics")).status_code == 404


def test_several_workers_get_a_fresh_shared_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(exposition.MULTIPROCESS_DIR, raising=False)
    with exposition.shared_directory(1, tmp_path):
        assert exposition.MULTIPROCESS_DIR not in os.environ
    with exposition.shared_directory(4, tmp_path):
        directory = Path(os.environ[exposition.MULTIPROCESS_DIR])
        assert directory.parent == tmp_path.resolve()
        assert directory.is_dir()
        assert list(directory.iterdir()) == []
    assert exposition.MULTIPROCESS_DIR not in os.environ
    assert not directory.exists()
    monkeypatch.setenv(exposition.MULTIPROCESS_DIR, "/somewhere/chosen")
    with exposition.shared_directory(4, tmp_path):
        assert os.environ[exposition.MULTIPROCESS_DIR] == "/somewhere/chosen"
