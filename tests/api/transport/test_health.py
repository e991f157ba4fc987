"""Liveness and readiness, outside GraphQL and without a token."""

from __future__ import annotations

from sqlalchemy import text
from starlette.applications import Starlette

from db.migrate import head_revision
from tests.helpers import Api


async def test_health_and_readiness_need_no_token(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_readiness_fails_when_migrations_are_behind(api: Api) -> None:
    head = head_revision()
    async with api.database.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        ready = await api.client.get("/readyz")
    finally:  # the PostgreSQL test database is shared by the session: put it back
        async with api.database.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": f"migrations at 0001, expected {head}",
    }


async def test_readiness_reports_the_event_listener(api: Api) -> None:
    ready = await api.client.get("/readyz")
    expected = "connected" if api.database.dialect == "postgresql" else "in-process"
    assert ready.json()["checks"] == {
        "database": "ok",
        "listener": expected,
        "webhookDelivery": "running",
    }


async def test_readiness_fails_once_the_webhook_delivery_worker_stopped(
    api: Api, app: Starlette
) -> None:
    await app.state.webhooks.stop()
    ready = await api.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "webhookDelivery stopped"
    assert ready.json()["checks"]["webhookDelivery"] == "stopped"
