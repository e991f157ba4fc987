"""One JSON log line per request, with its id and what the view learned."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

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
