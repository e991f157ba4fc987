"""One JSON log line per request, and health endpoints outside GraphQL."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from db.migrate import head_revision
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Api


async def test_each_request_logs_one_json_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        await make_referral(conn, owner, created=START - timedelta(days=1))
    with caplog.at_level(logging.INFO, logger="referrals.requests"):
        response = await api.client.post(
            "/graphql",
            json={
                "query": "query Page { referrals(first: 5) { totalCount } }",
                "operationName": "Page",
            },
            headers={"Authorization": f"Bearer {api.token(owner)}"},
        )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "referrals.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["status"] == 200
    assert line["organization"] == str(owner.organization_id)
    assert line["operation"] == "Page"
    assert line["cost"] == 5
    assert line["outcome"] == "ok"
    assert line["duration_ms"] >= 0


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
