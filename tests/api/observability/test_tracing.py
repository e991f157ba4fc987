"""Tracing through Strawberry's OpenTelemetry extension, without resolver arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from api.settings import Settings
from tests.api.observability.scraping import PAGE, owner_with_referral
from tests.helpers import Api, MovableClock


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
