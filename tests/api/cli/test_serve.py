"""`referrals serve`'s app: in development GraphiQL opens with a demo organization's token;
the transport itself carries none unless given one."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from api.cli.serve import served_app
from api.cli.tokens import graphiql_demo_token
from api.settings import Settings
from tests.helpers import MovableClock


async def test_graphiql_page_needs_no_token_and_carries_a_demo_one(
    settings: Settings, clock: MovableClock
) -> None:
    """The development server's page (`referrals serve`) carries a demo organization's token."""
    app = create_app(settings, clock=clock, graphiql_token=graphiql_demo_token(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "Bearer ey" in response.text
    assert "referrals(first: 5" in response.text


async def _page(app: object) -> str:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


async def test_the_app_alone_gives_graphiql_no_token(settings: Settings) -> None:
    page = await _page(create_app(settings))
    assert "referrals(first: 5" in page
    assert "Bearer ey" not in page


def test_production_gives_graphiql_no_demo_token() -> None:
    production = Settings(environment="production", jwt_secret="x" * 40)
    assert graphiql_demo_token(production) is None


async def test_the_served_app_opens_graphiql_with_a_demo_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/unused.db")
    assert "Bearer ey" in await _page(served_app())
