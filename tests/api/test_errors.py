"""Bad input gets a clear GraphQL error naming what is wrong; never a 500 or internals. Every
error carries a code, and every code is an ErrorCode."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from api.app import create_app
from api.errors import ErrorCode
from api.graph.relay.ids import to_global_id
from api.settings import Settings
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.graphql_socket import GraphQLSocket, serving
from tests.helpers import Actor, Api, MovableClock

LEAKS = ("Traceback", "sqlalchemy", "SELECT", 'File "', ".py", "asyncpg", "sqlite3")


async def _owner_with_referral(api: Api) -> tuple[Actor, str]:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
    return owner, to_global_id("Referral", rows.id)


def _assert_clean(errors: list[dict[str, Any]]) -> None:
    text = repr(errors)
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into {text}"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("bad_id", "fragment"),
    [
        ("not-an-id", "`id` is not a valid ID"),
        ("", "`id` is not a valid ID"),
        (_b64("Referral:not-a-uuid"), "`id` is not a valid ID"),
        (_b64("Tenant:" + "0" * 32), "`id` is not a valid ID"),
        ("%%%", "`id` is not a valid ID"),
    ],
)
async def test_malformed_ids_are_refused_by_name(api: Api, bad_id: str, fragment: str) -> None:
    owner, _ = await _owner_with_referral(api)
    for query in (
        "query ($id: ID!) { referral(id: $id) { id } }",
        "query ($id: ID!) { node(id: $id) { id } }",
    ):
        errors = await api.errors(query, {"id": bad_id}, actor=owner)
        assert fragment in errors[0]["message"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        _assert_clean(errors)


async def test_an_id_of_another_type_is_refused(api: Api) -> None:
    owner, _ = await _owner_with_referral(api)
    participant_id = (await api.query("{ referrals { nodes { owner { id } } } }", actor=owner))[
        "referrals"
    ]["nodes"][0]["owner"]["id"]
    errors = await api.errors(
        "query ($id: ID!) { referral(id: $id) { id } }", {"id": participant_id}, actor=owner
    )
    assert errors[0]["message"] == (
        "`id` must be the ID of a Referral, but it is the ID of a Participant."
    )


async def test_nodes_names_the_bad_position(api: Api) -> None:
    owner, referral_id = await _owner_with_referral(api)
    errors = await api.errors(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [referral_id, "garbage"]},
        actor=owner,
    )
    assert errors[0]["message"].startswith("`ids[1]` is not a valid ID")
    too_many = await api.errors(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [referral_id] * 101},
        actor=owner,
    )
    assert too_many[0]["message"] == "`ids` takes at most 100 IDs, not 101."


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 0", "`first` must be between 1 and 100, but it is 0."),
        ("first: 101", "`first` must be between 1 and 100, but it is 101."),
        ("first: -5", "`first` must be between 1 and 100, but it is -5."),
        ("last: 1000", "`last` must be between 1 and 100, but it is 1000."),
        ("first: 2, last: 2", "Pass either `first` or `last`, not both."),
        ('after: "bogus"', "`after` is not a valid cursor."),
        ('before: "bogus"', "`before` is not a valid cursor."),
        ('filter: {country: "Germany"}', "`filter.country` must be an ISO 3166-1 alpha-2 code"),
        ('filter: {createdAfter: "2026-01-01T00:00:00"}', "`filter.createdAfter` needs a time"),
        (f'filter: {{search: "{"x" * 201}"}}', "`filter.search` must be at most 200 characters."),
        ('filter: {search: "a\\u0000b"}', "`filter.search` must be plain text"),
    ],
)
async def test_list_arguments_out_of_range_are_refused(
    api: Api, arguments: str, message: str
) -> None:
    owner, _ = await _owner_with_referral(api)
    errors = await api.errors(f"{{ referrals({arguments}) {{ totalCount }} }}", actor=owner)
    assert errors[0]["message"].startswith(message)
    _assert_clean(errors)


async def test_nested_page_size_is_checked_too(api: Api) -> None:
    owner, referral_id = await _owner_with_referral(api)
    errors = await api.errors(
        "query ($id: ID!) { referral(id: $id) { activities(first: 500) { totalCount } } }",
        {"id": referral_id},
        actor=owner,
    )
    assert errors[0]["message"] == "`first` must be between 1 and 100, but it is 500."
    assert errors[0]["path"] == ["referral", "activities"]


async def test_cursor_of_another_ordering_is_refused(api: Api) -> None:
    owner, _ = await _owner_with_referral(api)
    cursor = (await api.query("{ referrals(first: 1) { pageInfo { endCursor } } }", actor=owner))[
        "referrals"
    ]["pageInfo"]["endCursor"]
    errors = await api.errors(
        "query ($after: String) { referrals(after: $after, orderBy: {field: UPDATED_DATE}) "
        "{ totalCount } }",
        {"after": cursor},
        actor=owner,
    )
    assert "cursor of another ordering" in errors[0]["message"]


@pytest.mark.parametrize(
    ("query", "variables", "fragment"),
    [
        ("{ referrals(filter: {status: [OPEN]}) { totalCount } }", {}, "OPEN"),
        (
            "query ($s: [ReferralStatus!]) { referrals(filter: {status: $s}) { totalCount } }",
            {"s": ["OPEN"]},
            "OPEN",
        ),
        ('{ referrals(first: "ten") { totalCount } }', {}, "Int cannot represent"),
        ("{ referrals { nope } }", {}, "Cannot query field 'nope'"),
        ("{ referrals(", {}, "Syntax Error"),
        (
            "query ($d: DateTime) { referrals(filter: {createdAfter: $d}) { totalCount } }",
            {"d": "yesterday"},
            "$d",
        ),
    ],
)
async def test_malformed_operations_get_graphql_errors(
    api: Api, query: str, variables: dict[str, Any], fragment: str
) -> None:
    owner, _ = await _owner_with_referral(api)
    errors = await api.errors(query, variables, actor=owner)
    assert fragment in errors[0]["message"]
    _assert_clean(errors)


async def test_unexpected_faults_are_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    owner, referral_id = await _owner_with_referral(api)

    async def broken(*_: object) -> list[object]:
        raise RuntimeError("connection to /var/secret/db.sqlite failed: SELECT * FROM referral")

    monkeypatch.setattr("db.reads.referrals_by_id", broken)
    with caplog.at_level(logging.ERROR, logger="referrals.errors"):
        response = await api.post(
            "query ($id: ID!) { referral(id: $id) { id } }", {"id": referral_id}, actor=owner
        )
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    (error,) = body["errors"]
    assert error["message"] == f"Internal error. Quote request id {request_id} when reporting it."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    _assert_clean(body["errors"])
    # The log keeps what the client must not see, under the same id.
    (record,) = [r for r in caplog.records if r.name == "referrals.errors"]
    assert request_id in record.getMessage()
    assert record.exc_info is not None
    assert "SELECT * FROM referral" in str(record.exc_info[1])


async def test_a_sane_request_id_from_the_caller_is_kept(api: Api) -> None:
    owner, _ = await _owner_with_referral(api)
    kept = await api.client.post(
        "/graphql",
        json={"query": "{ referrals { totalCount } }"},
        headers={"Authorization": f"Bearer {api.token(owner)}", "X-Request-ID": "trace-42.a"},
    )
    assert kept.headers["x-request-id"] == "trace-42.a"
    replaced = await api.client.post(
        "/graphql",
        json={"query": "{ referrals { totalCount } }"},
        headers={"Authorization": f"Bearer {api.token(owner)}", "X-Request-ID": "bad id\n!"},
    )
    assert replaced.headers["x-request-id"] != "bad id\n!"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_client_errors_are_not_logged_as_faults(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    owner, _ = await _owner_with_referral(api)
    with caplog.at_level(logging.DEBUG):
        await api.errors("{ referrals(first: 0) { totalCount } }", actor=owner)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- Every error carries extensions.code ----------------------------------------------------

PARSE = "GRAPHQL_PARSE_FAILED"
INVALID = "GRAPHQL_VALIDATION_FAILED"
BAD_INPUT = "BAD_USER_INPUT"
TOO_LARGE = "OPERATION_TOO_LARGE"
PAGE = "query ($n: Int!) { referrals(first: $n) { totalCount } }"
STATUSES = "query ($s: [ReferralStatus!]) { referrals(filter: {status: $s}) { totalCount } }"
DEEP = "{ referrals { nodes" + " { participants { referralView" * 5 + " { id"
# What clients send wrong, and the code Apollo Server's clients branch on for each class.
BAD_REQUESTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("syntax error", "{ referrals(", None, PARSE),
    ("unterminated string", '{ referral(id: "x) { id } }', None, PARSE),
    ("not GraphQL at all", "hello world", None, PARSE),
    ("unknown field", "{ referrals { nope } }", None, INVALID),
    ("unknown argument", "{ referrals(bogus: 1) { totalCount } }", None, INVALID),
    ("unknown type", "query ($x: Nope) { __typename }", {}, INVALID),
    ("unused variable", "query ($x: Int) { __typename }", {}, INVALID),
    ("undefined variable", "{ referrals(first: $n) { totalCount } }", None, INVALID),
    ("literal of the wrong type", '{ referrals(first: "ten") { totalCount } }', None, INVALID),
    (
        "invalid enum literal",
        "{ referrals(filter: {status: [OPEN]}) { totalCount } }",
        None,
        INVALID,
    ),
    (
        "fragment cycle",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        None,
        INVALID,
    ),
    ("unknown fragment", "{ ...Nope }", None, INVALID),
    ("selection on a scalar", "{ __typename { name } }", None, INVALID),
    ("wrong variable type", PAGE, {"n": "ten"}, BAD_INPUT),
    ("missing variable", PAGE, {}, BAD_INPUT),
    ("null variable", PAGE, {"n": None}, BAD_INPUT),
    ("invalid enum variable", STATUSES, {"s": ["OPEN"]}, BAD_INPUT),
    (
        "malformed DateTime variable",
        "query ($d: DateTime) { referrals(filter: {createdAfter: $d}) { totalCount } }",
        {"d": "yesterday"},
        BAD_INPUT,
    ),
    ("argument out of range", "{ referrals(first: 0) { totalCount } }", None, BAD_INPUT),
    ("too many tokens", "{ " + "a: __typename " * 1000 + "}", None, TOO_LARGE),
    ("too deep", DEEP + " }" * DEEP.count("{"), None, TOO_LARGE),
]
ACCEPTS = ("application/json", "application/graphql-response+json")


def _codes(body: dict[str, Any], case: str) -> set[str]:
    """The codes of a body's errors; fails the test on an error without one."""
    assert body.get("errors"), f"{case}: no errors in {body}"
    codes = set()
    for error in body["errors"]:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str), f"{case}: an error without a code: {error}"
        assert code in set(ErrorCode), f"{case}: {code} is no ErrorCode"
        codes.add(code)
    _assert_clean(body["errors"])
    return codes


async def test_every_error_carries_its_code_over_post_and_get(api: Api) -> None:
    owner = (await _owner_with_referral(api))[0]
    for accept in ACCEPTS:
        headers = {"Authorization": f"Bearer {api.token(owner)}", "Accept": accept}
        for case, query, variables, code in BAD_REQUESTS:
            posted = await api.client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            assert posted.status_code < 500, (case, posted.text)
            assert _codes(posted.json(), f"POST {accept} {case}") == {code}, posted.text[:300]
            params = {"query": query}
            if variables is not None:
                params["variables"] = json.dumps(variables)
            got = await api.client.get("/graphql", params=params, headers=headers)
            assert got.status_code < 500, (case, got.text)
            assert _codes(got.json(), f"GET {accept} {case}") == {code}


async def test_every_error_of_a_batch_carries_its_code(
    settings: Settings, clock: MovableClock
) -> None:
    batching = dataclasses.replace(settings, batching=True)
    app = create_app(batching, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        api = Api(client, batching, clock, app.state.database)
        owner = (await _owner_with_referral(api))[0]
        members = BAD_REQUESTS[:10]
        response = await api.client.post(
            "/graphql",
            json=[{"query": query, "variables": variables} for _, query, variables, _ in members],
            headers={"Authorization": f"Bearer {api.token(owner)}"},
        )
    assert response.status_code == 200, response.text
    for (case, _, _, code), body in zip(members, response.json(), strict=True):
        assert _codes(body, f"batch member {case}") == {code}


async def test_every_error_over_the_websocket_carries_its_code(api: Api, app: Starlette) -> None:
    owner = (await _owner_with_referral(api))[0]
    # (A document that does not parse closes the socket with 4400, as graphql-transport-ws says.)
    subscriptions = [
        ("unknown field", "subscription { referralEvents { nope } }", None, INVALID),
        (
            "wrong variable type",
            "subscription ($id: ID!) { referralEvents(referralId: $id) { activity { id } } }",
            {"id": 7},
            BAD_INPUT,
        ),
        (
            "malformed ID",
            'subscription { referralEvents(referralId: "x") { activity { id } } }',
            None,
            BAD_INPUT,
        ),
    ]
    async with serving(app) as base, GraphQLSocket.open(base) as socket_:
        await socket_.init(api.token(owner))
        for index, (case, query, variables, code) in enumerate(subscriptions):
            await socket_.subscribe(query, variables, id=str(index))
            message = await socket_.receive()
            assert message["type"] in ("error", "next"), (case, message)
            payload = message["payload"]
            body = {"errors": payload} if message["type"] == "error" else payload
            assert _codes(body, f"WebSocket {case}") == {code}
