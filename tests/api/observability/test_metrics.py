"""What the metrics count: HTTP requests, operations, latency, cost and error codes, subscriptions;
operation names as bounded labels."""

from __future__ import annotations

import pytest

from api.observability import metrics
from tests.api.observability.scraping import PAGE, owner_with_referral, sample, scrape
from tests.helpers import Api


async def test_requests_operations_latency_cost_and_errors_are_counted(api: Api) -> None:
    owner = await owner_with_referral(api)
    before = await scrape(api)
    response = await api.client.post(
        "/graphql",
        json={"query": PAGE, "operationName": "Page"},
        headers={"Authorization": f"Bearer {api.token(owner)}"},
    )
    assert response.status_code == 200
    await api.errors("query Broken { referrals(first: 5) { nope } }", actor=owner)
    await api.errors('{ node(id: "not-an-id") { id } }', actor=owner)
    unauthenticated = await api.client.post("/graphql", json={"query": PAGE})
    assert unauthenticated.status_code == 401
    after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    graphql_ok = {"route": "/graphql", "method": "POST", "status": "200"}
    assert delta("referrals_http_requests_total", **graphql_ok) == 3
    assert delta("referrals_http_requests_total", **{**graphql_ok, "status": "401"}) == 1
    page = {"operation_name": "Page", "operation_type": "query"}
    assert delta("referrals_graphql_operations_total", **page, outcome="ok") == 1
    assert delta("referrals_graphql_operation_duration_seconds_count", **page) == 1
    assert delta("referrals_graphql_operation_duration_seconds_sum", **page) > 0
    assert delta("referrals_graphql_query_cost_count", operation_name="Page") == 1
    assert delta("referrals_graphql_query_cost_sum", operation_name="Page") == 5
    anonymous = {"operation_name": "anonymous", "operation_type": "query", "outcome": "errors"}
    assert delta("referrals_graphql_operations_total", **anonymous) == 1
    assert delta("referrals_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("referrals_graphql_errors_total", code="BAD_USER_INPUT") == 1


async def test_subscription_gauges_are_exposed(api: Api) -> None:
    names = {name for name, _ in await scrape(api)}
    assert "referrals_subscriptions_active" in names
    assert "referrals_subscription_events_total" in names
    assert "referrals_subscribers_dropped_total" in names


def test_operation_names_are_bounded_label_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_names", set())
    monkeypatch.setattr(metrics, "MAX_OPERATION_NAMES", 2)
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("a b; drop") == "invalid"
    assert metrics.operation_label("x" * 65) == "invalid"
    assert [metrics.operation_label(n) for n in ("One", "Two", "Three", "One")] == [
        "One",
        "Two",
        "other",
        "One",
    ]
