"""Bad input gets a clear GraphQL error naming what is wrong; never a 500 or internals."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import Any

import pytest

from api.ids import to_global_id
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api

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
        (_b64("Organization:" + "0" * 32), "`id` is not a valid ID"),
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
