"""The rate limit in GitHub's points: a list screen pages freely, bulk crawling is slowed."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.guards.budget import InMemoryRateLimitStore, points
from api.settings import Settings, SettingsError
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api, MovableClock

REFERRAL_PAGE = (
    Path(__file__).parents[2] / "contract" / "queries" / "ReferralPage.graphql"
).read_text()
# 100 x 100 x 3 activities: 40,100 objects (within the node limit), 1 + 100 + 100 x 100
# connection requests: 101 points.
CRAWL = """{ referrals(first: 100) { nodes { activities(first: 100) { nodes {
    actor { referralActivities(first: 3) { nodes { id } } } } } } } }"""


async def _actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        actor = await make_actor(conn)
        await make_referral(conn, actor, created=START - timedelta(days=1))
    return actor


async def test_a_list_screen_pages_freely_within_one_window(api: Api) -> None:
    """Evidence: with the default budget (a 250,000 bucket, 14,100 per 100-referral page),
    the 18th ReferralPage of an organization within a second answered 429; 16 clients paging
    ReferralPage got 75% 429s."""
    actor = await _actor(api)
    for page in range(200):
        response = await api.post(REFERRAL_PAGE, {"first": 100}, actor=actor)
        assert response.status_code == 200, (page, response.text)
    cost = response.json()["extensions"]["cost"]
    assert cost["requested"] == 14_100
    assert cost["points"] == 1
    assert cost["rateLimit"]["used"] == 200
    assert response.headers["x-ratelimit-remaining"] == str(5_000 - 200)


async def test_a_crawler_at_the_node_limit_is_throttled(api: Api) -> None:
    actor = await _actor(api)
    allowed = 5_000 // 101
    for _ in range(allowed):
        assert (await api.post(CRAWL, actor=actor)).status_code == 200
    refused = await api.post(CRAWL, actor=actor)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-remaining"] == str(5_000 - 101 * allowed)
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 60}
    assert "costs 101 points" in error["message"]
    # What is left still serves the list screen, and the window's end restores the rest.
    assert (await api.post(REFERRAL_PAGE, {"first": 100}, actor=actor)).status_code == 200
    api.clock.advance(timedelta(seconds=60))
    assert (await api.post(CRAWL, actor=actor)).status_code == 200


@pytest.fixture
async def tight_api(settings: Settings, clock: MovableClock) -> AsyncIterator[Api]:
    """An app whose organizations may spend 600 points a minute."""
    tight = dataclasses.replace(settings, rate_limit_points=600)
    app = create_app(tight, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, tight, clock, app.state.database)


async def test_limits_are_per_organization_and_refusals_cost_nothing(tight_api: Api) -> None:
    api = tight_api
    busy, calm = await _actor(api), await _actor(api)
    for _ in range(5):
        assert (await api.post(CRAWL, actor=busy)).status_code == 200
    for _ in range(3):
        assert (await api.post(CRAWL, actor=busy)).status_code == 429
    body: dict[str, Any] = (await api.post("{ rateLimit { used } }", actor=busy)).json()
    assert body["data"] == {"rateLimit": {"used": 5 * 101 + 1}}
    assert (await api.post(CRAWL, actor=calm)).status_code == 200


async def test_the_rate_limit_field_reports_this_operation(api: Api) -> None:
    actor = await _actor(api)
    query = """{ referrals(first: 100) { totalCount }
        rateLimit { cost limit used remaining resetAt nodeCount } }"""
    first = (await api.post(query, actor=actor)).json()["data"]["rateLimit"]
    assert first == {
        "cost": 1,
        "limit": 5_000,
        "used": 1,
        "remaining": 4_999,
        "resetAt": (START + timedelta(seconds=60)).isoformat(),
        "nodeCount": 100,
    }
    second = (await api.post(query, actor=actor)).json()["data"]["rateLimit"]
    assert (second["used"], second["remaining"]) == (2, 4_998)


def test_points_follow_github_s_rule() -> None:
    assert [points(n) for n in (0, 1, 49, 50, 101, 149, 150, 10_101)] == [1, 1, 1, 1, 1, 1, 2, 101]


async def test_the_store_charges_within_a_window_and_resets_after_it() -> None:
    store = InMemoryRateLimitStore(limit=10, window=timedelta(seconds=60))
    org = uuid.uuid4()
    assert (await store.charge(org, 6, now=START)).allowed
    dry = await store.charge(org, 4, now=START, dry_run=True)
    assert (dry.allowed, dry.used) == (True, 6)
    refused = await store.charge(org, 5, now=START + timedelta(seconds=59))
    assert (refused.allowed, refused.used, refused.remaining) == (False, 6, 4)
    assert refused.retry_after(START + timedelta(seconds=59)) == 1.0
    after = await store.charge(org, 5, now=START + timedelta(seconds=60))
    assert (after.allowed, after.used, after.reset_at) == (True, 5, START + timedelta(seconds=120))


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"RATE_LIMIT_POINTS": "499"},
            "RATE_LIMIT_POINTS (499) must be at least 500, the points of an operation at "
            "MAX_QUERY_COST (50000)",
        ),
        ({"COST_BUDGET": "250000"}, "COST_BUDGET is gone"),
    ],
)
def test_settings_that_can_never_be_satisfied_stop_the_start(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(environ)
    Settings.from_env({"RATE_LIMIT_POINTS": "500"})
