"""GraphQL over HTTP: methods, Accept, status codes, CSRF, CORS, body size, batching, deadline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.settings import Settings
from api.transport.body_size import BodySizeLimit
from db import reads
from db.tables import referral
from tests.factories import make_actor
from tests.helpers import Actor, Api, MovableClock
from tests.test_mutations import new_referral

GQL = "application/graphql-response+json"
JSON = "application/json"
QUERY = "{ referrals { totalCount } }"
CREATE = """mutation ($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { message } } }"""


async def _actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


def _auth(api: Api, actor: Actor, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(actor)}", **headers}


def _error(response: httpx.Response) -> dict[str, Any]:
    """The one error of a GraphQL-shaped refusal."""
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert isinstance(error["message"], str)
    return error  # type: ignore[no-any-return]


def _media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def _referral_count(api: Api) -> int:
    async with api.database.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)


@asynccontextmanager
async def _api_with(settings: Settings, clock: MovableClock, **changes: Any) -> AsyncIterator[Api]:
    """An app of its own, built from the test's settings with `changes`."""
    changed = dataclasses.replace(settings, **changes)
    app = create_app(changed, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, changed, clock, app.state.database)


# --- Methods ------------------------------------------------------------------------------


async def test_post_json_with_a_charset_runs(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": QUERY}),
        headers=_auth(api, actor, **{"Content-Type": "application/json; charset=UTF-8"}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_get_runs_a_query_with_variables(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.get(
        "/graphql",
        params={
            "query": "query ($first: Int) { referrals(first: $first) { totalCount } }",
            "variables": json.dumps({"first": 5}),
        },
        headers=_auth(api, actor),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_a_mutation_over_get_is_405_and_runs_nothing(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.get(
        "/graphql",
        params={"query": CREATE, "variables": json.dumps({"input": new_referral()})},
        headers=_auth(api, actor),
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "mutations are not allowed when using GET" in _error(response)["message"]
    assert await _referral_count(api) == 0


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_other_methods_are_405(api: Api, method: str) -> None:
    response = await api.client.request(method, "/graphql", json={"query": QUERY})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert _error(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_head_is_405(api: Api) -> None:
    response = await api.client.head("/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_get_without_query_is_400(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": JSON})
    assert response.status_code == 400
    assert "no `query`" in _error(response)["message"]


async def test_get_with_malformed_variables_is_400(api: Api) -> None:
    response = await api.client.get("/graphql", params={"query": QUERY, "variables": "{oops"})
    assert response.status_code == 400
    assert "`variables`" in _error(response)["message"]


# --- Accept -------------------------------------------------------------------------------


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
    actor = await _actor(api)
    request = api.client.build_request(
        "POST", "/graphql", json={"query": QUERY}, headers=_auth(api, actor)
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
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Accept=accept)
    )
    assert response.status_code == 406
    assert _media_type(response) == JSON
    error = _error(response)
    assert error["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert GQL in error["message"]


async def test_a_browser_gets_graphiql_without_a_query(api: Api) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await api.client.get("/graphql", headers={"Accept": accept})
    assert response.status_code == 200
    assert _media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()
    only_html = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert only_html.status_code == 200
    assert "graphiql" in only_html.text.lower()


async def test_graphiql_disabled_is_404(settings: Settings, clock: MovableClock) -> None:
    async with _api_with(settings, clock, graphiql=False) as api:
        response = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert _error(response)["extensions"]["code"] == "NOT_FOUND"


# --- Status codes of GraphQL failures -----------------------------------------------------

REQUEST_ERRORS = [
    pytest.param({"query": "{ referrals { totalCount "}, "Syntax Error", id="parse"),
    pytest.param({"query": "{ noSuchField }"}, "Cannot query field", id="validation"),
    pytest.param(
        {
            "query": "query ($first: Int) { referrals(first: $first) { totalCount } }",
            "variables": {"first": "ten"},
        },
        "Variable '$first'",
        id="variable-coercion",
    ),
    pytest.param(
        {"query": "query ($first: Int!) { referrals(first: $first) { totalCount } }"},
        "Variable '$first'",
        id="missing-variable",
    ),
]


@pytest.mark.parametrize(("payload", "message"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    api: Api, payload: dict[str, Any], message: str
) -> None:
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql", json=payload, headers=_auth(api, actor, Accept=GQL)
    )
    assert response.status_code == 400, response.text
    assert _media_type(response) == GQL
    body = response.json()
    assert "data" not in body
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize(("payload", "message"), REQUEST_ERRORS)
async def test_request_errors_are_200_in_legacy_json(
    api: Api, payload: dict[str, Any], message: str
) -> None:
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql", json=payload, headers=_auth(api, actor, Accept=JSON)
    )
    assert response.status_code == 200, response.text
    assert _media_type(response) == JSON
    body = response.json()
    assert body["data"] is None
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_an_operation_with_field_errors_is_200_with_data(api: Api, accept: str) -> None:
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ ok: referrals { totalCount } bad: referrals(first: 0) { totalCount } }"},
        headers=_auth(api, actor, Accept=accept),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" in body
    assert body["errors"][0]["path"] == ["bad"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b'"a string"', "must be a JSON object with a `query`, not a string"),
        (b"42", "not a number"),
        (b"null", "not null"),
        (b"{}", "no `query`"),
        (b'{"query": null}', "no `query`"),
        (b'{"query": ["{ a }"]}', "`query` must be a string, not an array"),
        (b'{"query": "{ a }", "variables": [1]}', "`variables` must be an object or null"),
        (b'{"query": "{ a }", "operationName": 7}', "`operationName` must be a string or null"),
        (b'{"query": "{ a }", "extensions": "x"}', "`extensions` must be an object or null"),
        (b"\xff\xfe\xfa", "not valid"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=[
        "malformed",
        "empty",
        "string",
        "number",
        "null",
        "no-query",
        "null-query",
        "query-array",
        "variables-array",
        "operation-name-number",
        "extensions-string",
        "not-utf8",
        "deep-nesting",
    ],
)
async def test_bad_bodies_are_400_with_a_graphql_error_before_auth(
    api: Api, content: bytes, message: str
) -> None:
    response = await api.client.post(
        "/graphql", content=content, headers={"Content-Type": JSON, "Accept": GQL}
    )
    assert response.status_code == 400, response.text
    assert _media_type(response) == GQL
    error = _error(response)
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unknown_operation_name_is_400(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.post(
        "/graphql",
        json={"query": "query A { __typename }", "operationName": "B"},
        headers=_auth(api, actor),
    )
    assert response.status_code == 400
    assert _error(response)["message"] == 'Unknown operation named "B".'


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/graphql",
        f"{JSON}; charset=latin-1",
        None,
    ],
)
async def test_a_post_that_is_not_json_is_415_and_runs_nothing(
    api: Api, content_type: str | None
) -> None:
    """What a cross-site form can send never reaches execution, even with credentials."""
    actor = await _actor(api)
    body = json.dumps({"query": CREATE, "variables": {"input": new_referral()}})
    request = api.client.build_request("POST", "/graphql", content=body, headers=_auth(api, actor))
    if content_type is None:
        request.headers.pop("content-type", None)
    else:
        request.headers["content-type"] = content_type
    response = await api.client.send(request)
    assert response.status_code == 415, response.text
    assert _error(response)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await _referral_count(api) == 0
    # The same body as JSON does create the referral: only the content type kept it out.
    created = await api.client.post(
        "/graphql", content=body, headers=_auth(api, actor, **{"Content-Type": JSON})
    )
    assert created.json()["data"]["createReferral"]["userErrors"] == []
    assert await _referral_count(api) == 1


# --- CORS ---------------------------------------------------------------------------------

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
    async with _api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        response = await api.client.options("/graphql", headers=_preflight(ORIGIN))
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert {"GET", "POST"} <= set(
            response.headers["access-control-allow-methods"].replace(" ", "").split(",")
        )
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        actor = await _actor(api)
        simple = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Origin=ORIGIN)
        )
        assert simple.status_code == 200
        assert simple.headers["access-control-allow-origin"] == ORIGIN


async def test_cors_preflight_from_another_origin_is_refused(
    settings: Settings, clock: MovableClock
) -> None:
    async with _api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
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
    async with _api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
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
    async with _api_with(settings, clock, cors_origins=(ORIGIN,)) as api:
        actor = await _actor(api)
        response = await api.client.post(
            "/graphql",
            json={"query": QUERY},
            headers=_auth(
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
    actor = await _actor(api)
    simple = await api.client.post(
        "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Origin=ORIGIN)
    )
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


# --- Body size ----------------------------------------------------------------------------


def _padded(size: int) -> bytes:
    """A valid operation padded with JSON whitespace to exactly `size` bytes."""
    operation = json.dumps({"query": "{ __typename }"}).encode()
    return operation + b" " * (size - len(operation))


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)])
async def test_a_body_over_the_limit_is_413(api: Api, extra: int, status: int) -> None:
    actor = await _actor(api)
    limit = api.settings.max_body_bytes
    assert limit == 1024 * 1024
    response = await api.client.post(
        "/graphql",
        content=_padded(limit + extra),
        headers=_auth(api, actor, **{"Content-Type": JSON}),
    )
    assert response.status_code == status, response.text[:200]
    if status == 413:
        error = _error(response)
        assert error["message"] == f"The request body exceeds the limit of {limit} bytes."
        assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    else:
        assert response.json()["data"] == {"__typename": "Query"}


async def test_a_streamed_body_is_counted_as_it_arrives(api: Api) -> None:
    chunk, pulled = 64 * 1024, 0

    async def endless_json() -> AsyncIterator[bytes]:
        nonlocal pulled
        pulled += 1
        yield b'{"query": "{ __typename }", "padding": "'
        for _ in range(100):  # 6.4 MiB if it were all read
            pulled += 1
            yield b"x" * chunk

    response = await api.client.post(
        "/graphql", content=endless_json(), headers={"Content-Type": JSON, "Accept": GQL}
    )
    assert response.status_code == 413
    assert _media_type(response) == GQL
    assert _error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    # Refused once the limit was crossed, not after reading everything.
    assert pulled <= api.settings.max_body_bytes // chunk + 2


async def test_a_streamed_body_within_the_limit_is_served(api: Api) -> None:
    actor = await _actor(api)

    async def chunks() -> AsyncIterator[bytes]:
        body = _padded(api.settings.max_body_bytes)
        for start in range(0, len(body), 100_000):
            yield body[start : start + 100_000]

    response = await api.client.post(
        "/graphql", content=chunks(), headers=_auth(api, actor, **{"Content-Type": JSON})
    )
    assert response.status_code == 200, response.text[:200]
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_large_content_length_is_refused_before_the_body_is_read() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app must not run")

    async def receive() -> Message:
        raise AssertionError("the body must not be read")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": [(b"content-length", b"1000000000"), (b"content-type", b"application/json")],
    }
    await BodySizeLimit(app, max_bytes=1024)(scope, receive, send)
    assert sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["errors"][0]["message"] == "The request body exceeds the limit of 1024 bytes."


# --- Batching -----------------------------------------------------------------------------


async def test_batching_is_off_by_default(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.post("/graphql", json=[{"query": QUERY}], headers=_auth(api, actor))
    assert response.status_code == 400
    assert "Batching is not enabled" in _error(response)["message"]


@pytest.mark.parametrize(("count", "refused"), [(3, False), (4, True)])
async def test_batches_are_capped(
    settings: Settings, clock: MovableClock, count: int, refused: bool
) -> None:
    async with _api_with(settings, clock, batching=True, max_batch_operations=3) as api:
        actor = await _actor(api)
        response = await api.client.post(
            "/graphql",
            json=[{"query": f"{{ n{i}: __typename }}"} for i in range(count)],
            headers=_auth(api, actor),
        )
        if refused:
            assert response.status_code == 400
            assert _error(response)["message"] == ("A batch may hold at most 3 operations, not 4.")
        else:
            assert response.status_code == 200
            assert [item["data"] for item in response.json()] == [
                {f"n{i}": "Query"} for i in range(count)
            ]


async def test_each_operation_of_a_batch_answers_for_itself(
    settings: Settings, clock: MovableClock
) -> None:
    async with _api_with(settings, clock, batching=True) as api:
        actor = await _actor(api)
        response = await api.client.post(
            "/graphql",
            json=[
                {"query": QUERY},
                {"query": "{ noSuchField }"},
                {"query": "query A { __typename }", "operationName": "B"},
            ],
            headers=_auth(api, actor, Accept=GQL),
        )
        assert response.status_code == 200
        ok, invalid, unknown = response.json()
        assert ok["data"] == {"referrals": {"totalCount": 0}}
        assert "data" not in invalid
        assert "Cannot query field" in invalid["errors"][0]["message"]
        assert unknown["errors"][0]["message"] == 'Unknown operation named "B".'
        bad_member = await api.client.post(
            "/graphql", json=[{"query": QUERY}, 7], headers=_auth(api, actor)
        )
        assert bad_member.status_code == 400
        assert _error(bad_member)["message"] == (
            "Operation 1 of the batch must be an object, not a number."
        )


# --- Resolver deadline --------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "status"), [(GQL, 504), (JSON, 200)])
async def test_a_slow_operation_ends_at_its_deadline(
    settings: Settings,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
    accept: str,
    status: int,
) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    real_counts = reads.referral_counts

    async def slow_counts(*args: Any) -> Any:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return await real_counts(*args)

    async with _api_with(settings, clock, resolver_deadline_seconds=0.2) as api:
        actor = await _actor(api)
        monkeypatch.setattr(reads, "referral_counts", slow_counts)
        loop = asyncio.get_running_loop()
        began = loop.time()
        response = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Accept=accept)
        )
        assert loop.time() - began < 5
        assert response.status_code == status, response.text
        body = response.json()
        (error,) = body["errors"]
        assert error["message"] == "The operation exceeded its 0.2 s deadline."
        assert error["extensions"] == {"code": "DEADLINE_EXCEEDED"}
        assert ("data" in body) == (accept == JSON)
        assert "Traceback" not in response.text
        assert started.is_set()
        # The pending read is cancelled (its DataLoader batch task, as the operation unwinds).
        await asyncio.wait_for(cancelled.wait(), timeout=1)
        monkeypatch.undo()
        again = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Accept=accept)
        )
        assert again.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_the_deadline_cancels_a_running_postgresql_query(
    settings: Settings, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sleeping_counts(conn: AsyncConnection, *args: Any) -> Any:
        await conn.execute(text("SELECT pg_sleep(30)"))
        raise AssertionError("pg_sleep was not cancelled")

    async with _api_with(settings, clock, resolver_deadline_seconds=0.5) as api:
        if api.database.dialect != "postgresql":
            pytest.skip("SQLite statements run in a thread that cancellation does not reach")
        actor = await _actor(api)
        monkeypatch.setattr(reads, "referral_counts", sleeping_counts)
        response = await api.client.post(
            "/graphql", json={"query": QUERY}, headers=_auth(api, actor, Accept=GQL)
        )
        assert response.status_code == 504
        running = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
        )
        for _ in range(50):
            async with api.database.engine.connect() as conn:
                if await conn.scalar(running) == 0:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the query still runs after its deadline")


# --- Order: cheap HTTP checks before authentication ----------------------------------------

Sender = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (lambda client: client.put("/graphql", json={"query": QUERY}), 405),
        (
            lambda client: client.post(
                "/graphql", json={"query": QUERY}, headers={"Accept": "text/plain"}
            ),
            406,
        ),
        (
            lambda client: client.post(
                "/graphql", content=b"query=x", headers={"Content-Type": "text/plain"}
            ),
            415,
        ),
        (
            lambda client: client.post(
                "/graphql", content=_padded(2 * 1024 * 1024), headers={"Content-Type": JSON}
            ),
            413,
        ),
        (lambda client: client.post("/graphql", content=b"{", headers={"Content-Type": JSON}), 400),
        (lambda client: client.post("/graphql", json={"query": QUERY}), 401),
    ],
    ids=["method", "accept", "content-type", "body-size", "body", "auth"],
)
async def test_http_checks_come_before_authentication(api: Api, send: Sender, status: int) -> None:
    response = await send(api.client)
    assert response.status_code == status
    error = _error(response)
    if status == 401:
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_401_uses_the_negotiated_media_type(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": QUERY}, headers={"Accept": GQL})
    assert response.status_code == 401
    assert _media_type(response) == GQL
    assert _error(response)["extensions"]["code"] == "UNAUTHENTICATED"
