"""The GraphiQL page and its assets, served by the API itself from an allow-list, without a
browser."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.cli.tokens import graphiql_demo_token
from api.settings import Settings
from api.transport import graphiql_assets


@pytest.fixture
def fake_node_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A node_modules/ holding the allow-listed files (and one that is not), version 1.2.3."""
    root = tmp_path / "node_modules"
    for asset in graphiql_assets.ALLOWED:
        package = root / asset.package
        (package / asset.file).parent.mkdir(parents=True, exist_ok=True)
        (package / "package.json").write_text(json.dumps({"version": "1.2.3"}))
        (package / asset.file).write_text(f"/* {asset.package}/{asset.file} */")
    (root / "graphiql" / "not-allowed.js").write_text("/* not served */")
    monkeypatch.setattr(graphiql_assets, "NODE_MODULES", root)
    return root


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan: the page and the assets touch no database."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings, graphiql_token=graphiql_demo_token(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _page(client: httpx.AsyncClient) -> str:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


@pytest.mark.usefixtures("fake_node_modules")
async def test_the_page_names_no_other_host(client: httpx.AsyncClient) -> None:
    page = await _page(client)
    assert not re.search(r"https?:", page), "the page must not load anything from another host"
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    assert references
    for reference in references:
        assert reference.startswith(("/graphiql/assets/", "data:")), reference
    assert set(references) >= set(graphiql_assets.installed_assets().values()) - {
        url
        for asset, url in graphiql_assets.installed_assets().items()
        if asset in graphiql_assets.SOURCE_MAPS
    }
    assert "/graphiql/assets/react@1.2.3/umd/react.production.min.js" in page
    assert "Bearer ey" in page  # development: the demo token
    assert "referrals(first: 5" in page  # the default query


@pytest.mark.usefixtures("fake_node_modules")
async def test_assets_come_from_an_allow_list_with_a_long_cache(
    client: httpx.AsyncClient,
) -> None:
    for asset, url in graphiql_assets.installed_assets().items():
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.text == f"/* {asset.package}/{asset.file} */"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        kind = {".js": "text/javascript", ".css": "text/css", ".map": "application/json"}
        assert response.headers["content-type"].startswith(kind[Path(asset.file).suffix])
    for refused in (
        "/graphiql/assets/graphiql@1.2.3/not-allowed.js",  # present but not allowed
        "/graphiql/assets/graphiql@1.2.3/package.json",
        "/graphiql/assets/graphiql@9.9.9/graphiql.min.js",  # not the installed version
        "/graphiql/assets/graphiql/graphiql.min.js",
        "/graphiql/assets/graphiql@1.2.3/%2e%2e/react/package.json",
    ):
        assert (await client.get(refused)).status_code == 404, refused


async def test_without_node_modules_the_page_says_how_to_install(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphiql_assets, "NODE_MODULES", tmp_path / "absent")
    page = await _page(client)
    assert "GraphiQL is not installed on this server" in page
    assert "npm ci" in page
    assert "<script" not in page
    assert not re.search(r"https?:", page)
    assert "Authorization: Bearer ey" in page  # what to send meanwhile
    assert "referrals(first: 5" in page
    assert (await client.get("/graphiql/assets/react@18.3.1/umd/react.js")).status_code == 404


@pytest.mark.usefixtures("fake_node_modules")
async def test_assets_are_not_served_when_graphiql_is_disabled(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", graphiql=False)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        url = next(iter(graphiql_assets.installed_assets().values()))
        assert (await client.get(url)).status_code == 404
