"""/metrics (Prometheus text format), what it counts, and tracing through Strawberry's extension."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.observability import exposition, metrics
from api.settings import Settings
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api, MovableClock

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
PAGE = "query Page { referrals(first: 5) { totalCount nodes { id name } } }"


async def scrape(api: Api) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def owner_with_referral(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        await make_referral(conn, owner, created=START - timedelta(days=1))
    return owner


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


async def test_the_pool_gauge_follows_checkouts(api: Api) -> None:
    in_use = "referrals_db_pool_connections_in_use"
    before = sample(await scrape(api), in_use)
    async with api.database.engine.connect():
        assert sample(await scrape(api), in_use) == before + 1
    assert sample(await scrape(api), in_use) == before


async def test_subscription_gauges_are_exposed(api: Api) -> None:
    names = {name for name, _ in await scrape(api)}
    assert "referrals_subscriptions_active" in names
    assert "referrals_subscription_events_total" in names
    assert "referrals_subscribers_dropped_total" in names


async def test_metrics_can_be_turned_off(database_url: str, clock: MovableClock) -> None:
    app = create_app(Settings(database_url=database_url, metrics=False), clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/metrics")).status_code == 404


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


# --- tracing ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider (set once per process), exporting into memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    yield exporter
    provider.shutdown()


@pytest.fixture
async def traced_api(
    database_url: str, clock: MovableClock, spans: InMemorySpanExporter
) -> AsyncIterator[Api]:
    settings = Settings(database_url=database_url, tracing=True)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, settings, clock, app.state.database)


async def test_operations_are_traced_without_their_arguments(
    traced_api: Api, spans: InMemorySpanExporter
) -> None:
    owner = await owner_with_referral(traced_api)
    spans.clear()
    response = await traced_api.client.post(
        "/graphql",
        json={
            "query": PAGE.replace("query Page", "query Page($filter: ReferralFilterInput)").replace(
                "first: 5", "first: 5, filter: $filter"
            ),
            "variables": {"filter": {"search": "Contoso"}},
        },
        headers={"Authorization": f"Bearer {traced_api.token(owner)}"},
    )
    assert response.status_code == 200, response.text
    finished = spans.get_finished_spans()
    names = [span.name for span in finished]
    assert "GraphQL Query: Page" in names
    assert "GraphQL Parsing" in names
    assert any(name.startswith("GraphQL Resolving") for name in names)
    for span in finished:  # the document is recorded, variables and argument values are not
        for key, value in (span.attributes or {}).items():
            assert "Contoso" not in str(value), (span.name, key)
