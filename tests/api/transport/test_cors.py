"""CORS: preflights from allowed origins, the headers GraphQL clients send and may read."""

from __future__ import annotations

from api.settings import Settings
from tests.api.transport.support import (
    QUERY,
    api_with,
    auth_headers,
    new_actor,
)
from tests.helpers import Api, MovableClock

ORIGIN = "https://app.partner.example"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_cors_preflight_from_an_allowed_origin(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        response = await api.client.options("/graphql", headers=_preflight(ORIGIN))
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert {"GET", "POST"} <= set(
            response.headers["access-control-allow-methods"].replace(" ", "").split(",")
        )
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        actor = await new_actor(api)
        simple = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Origin=ORIGIN)
        )
        assert simple.status_code == 200
        assert simple.headers["access-control-allow-origin"] == ORIGIN


async def test_cors_preflight_from_another_origin_is_refused(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        response = await api.client.options("/graphql", headers=_preflight("https://evil.example"))
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers
        simple = await api.client.post(
            "/graphql", json={"query": QUERY}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in simple.headers


# What Apollo Client (client awareness, CSRF prevention), OpenTelemetry's browser fetch
# instrumentation and request tracing send from a page of another origin.
CLIENT_HEADERS = (
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollographql-library-name",
    "apollographql-library-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
)


async def test_cors_preflight_allows_what_graphql_clients_send(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        for requested in (*CLIENT_HEADERS, ", ".join(CLIENT_HEADERS)):
            preflight = {
                **_preflight(ORIGIN),
                "Access-Control-Request-Headers": f"authorization, content-type, {requested}",
            }
            response = await api.client.options("/graphql", headers=preflight)
            assert response.status_code == 200, (requested, response.text)
            assert response.headers["access-control-allow-origin"] == ORIGIN
            allowed = response.headers["access-control-allow-headers"].lower()
            assert set(requested.split(", ")) <= set(allowed.replace(" ", "").split(","))


async def test_cors_exposes_the_request_id_retry_after_and_the_rate_limit(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        actor = await new_actor(api)
        response = await api.client.post(
            "/graphql",
            json={"query": QUERY},
            headers=auth_headers(
                api,
                actor,
                Origin=ORIGIN,
                **{"X-Request-ID": "trace-7", "apollographql-client-name": "web"},
            ),
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert response.headers["x-request-id"] == "trace-7"
        exposed = response.headers["access-control-expose-headers"].lower()
        assert {
            "x-request-id",
            "retry-after",
            "www-authenticate",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-used",
            "x-ratelimit-reset",
        } <= set(exposed.replace(" ", "").split(","))
        assert response.headers["x-ratelimit-remaining"]


async def test_no_cors_origins_means_no_cors_headers(api: Api) -> None:
    assert api.settings.cors_origins == ()
    preflight = await api.client.options("/graphql", headers=_preflight(ORIGIN))
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    actor = await new_actor(api)
    simple = await api.client.post(
        "/graphql", json={"query": QUERY}, headers=auth_headers(api, actor, Origin=ORIGIN)
    )
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
