"""The methods GraphQL over HTTP takes, and the media type the Accept header picks (or the GraphiQL
page, for a browser)."""

from __future__ import annotations

import json

import pytest

from api.settings import Settings
from tests.api.transport.support import (
    CREATE,
    GQL,
    JSON,
    QUERY,
    api_with,
    auth_headers,
    media_type_of,
    new_actor,
    only_error,
    referral_count,
)
from tests.factories import new_referral
from tests.helpers import Api, MovableClock


async def test_a_mutation_over_get_is_405_and_runs_nothing(api: Api) -> None:
    actor = await new_actor(api)
    response = await api.client.get(
        "/graphql",
        params={"query": CREATE, "variables": json.dumps({"input": new_referral()})},
        headers=auth_headers(api, actor),
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "mutations are not allowed when using GET" in only_error(response)["message"]
    assert await referral_count(api) == 0


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_other_methods_are_405(api: Api, method: str) -> None:
    response = await api.client.request(method, "/graphql", json={"query": QUERY})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert only_error(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_head_is_405(api: Api) -> None:
    response = await api.client.head("/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (f"{JSON}; charset=utf-8", JSON),
        (GQL, GQL),
        (f"{JSON}, {GQL}", GQL),
        (f"{GQL}, {JSON}", GQL),
        (f"{GQL};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.5, {GQL}", GQL),
        (f"{GQL}, */*;q=0.1", GQL),
        (f"text/html, {GQL};q=0.9", GQL),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
    ],
)
async def test_accept_picks_the_response_media_type(
    api: Api, accept: str | None, media_type: str
) -> None:
    actor = await new_actor(api)
    request = api.client.build_request(
        "POST", "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor)
    )
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    response = await api.client.send(request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


@pytest.mark.parametrize(
    "accept", ["text/plain", "application/xml", f"{GQL};q=0, {JSON};q=0", "text/*", "image/*"]
)
async def test_an_accept_allowing_neither_is_406(api: Api, accept: str) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Accept=accept)
    )
    assert response.status_code == 406
    assert media_type_of(response) == JSON
    error = only_error(response)
    assert error["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert GQL in error["message"]


async def test_a_browser_gets_graphiql_without_a_query(api: Api) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await api.client.get("/graphql", headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type_of(response) == "text/html"
    assert "graphiql" in response.text.lower()
    only_html = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert only_html.status_code == 200
    assert "graphiql" in only_html.text.lower()


async def test_graphiql_disabled_is_404(settings: Settings, clock: MovableClock) -> None:
    async with api_with(settings, clock, graphiql=False) as api:
        response = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert only_error(response)["extensions"]["code"] == "NOT_FOUND"
