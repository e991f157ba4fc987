"""Regressions found by the fuzzing: each failed before its fix (bugs A-D of the first run)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.fuzz.oracle import assert_sound
from tests.fuzz.sending import bearer, send
from tests.fuzz.strategies import encode
from tests.helpers import Actor

CREATE_WITH = """mutation {{ createReferral(input: {{ name: "Deal", referralSource: WEB_DIRECT,
  customerProfile: {{ name: "Contoso", address: {{ addressLine1: "1 Main Street",
    city: "Seattle", state: "WA", postalCode: "98101", country: "US" }},
  contact: {{ firstName: "Ana", lastName: "Ruiz", email: "ana@contoso.example",
    phoneNumber: "+14255550100" }} }},
  additionalInformation: {{ {field}: {literal}, currency: "USD" }} }}) {{
  referral {{ id }} userErrors {{ code }} }} }}"""


@pytest.mark.parametrize(
    ("query", "type_name"),
    [
        ('{ referrals(filter: { createdAfter: "yesterday" }) { totalCount } }', "DateTime"),
        ("{ referrals(filter: { updatedBefore: 5 }) { totalCount } }", "DateTime"),
        (CREATE_WITH.format(field="closingDate", literal='"2026-13-01"'), "Date"),
        (CREATE_WITH.format(field="dealValue", literal='"a lot"'), "Decimal"),
    ],
    ids=["DateTime text", "DateTime number", "Date", "Decimal"],
)
async def test_malformed_scalar_literals_are_refused_as_bad_input(
    client: httpx.AsyncClient, settings: Settings, query: str, type_name: str
) -> None:
    """Evidence: `{ referrals(filter: { createdAfter: "yesterday" }) { totalCount } }` answers
    200 (400 under graphql-response+json) with {"message": "Internal error. Quote request id
    ... when reporting it.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}, and the log
    records it as an unexpected error with the scalar's ValueError ("Invalid isoformat
    string"). graphql-core's ValuesOfCorrectTypeRule keeps the exception raised by the
    scalar's parser (api/schema.py DateTime/Date/DecimalScalar) as `original_error`, and
    api/errors.py is_unexpected() takes every non-GraphQLError original error for a fault.
    The same value as a variable is refused properly ("Variable '$d' has invalid value")."""
    accept = {"Accept": "application/graphql-response+json"}
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(settings) | accept
    )
    body = assert_sound(response, query)
    assert response.status_code == 400, response.text  # a request error, as for a variable
    assert any(type_name in error["message"] for error in body["errors"]), body


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("filter", {"createdAfter": "0001-01-01T00:00:00+14:00"}),
        ("filter", {"createdBefore": "0001-01-01T00:00:00+00:01"}),
        ("filter", {"updatedAfter": "9999-12-31T23:59:59-14:00"}),
        ("filter", {"updatedBefore": "9999-12-31T23:59:59-00:01"}),
        ("after", ["referral:created_date", "0001-01-01T00:00:00+14:00"]),
        ("before", ["referral:created_date", "9999-12-31T23:59:59-14:00"]),
        ("activities", ["activity", "0001-01-01T00:00:00+14:00"]),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else str(value)[:20],
)
async def test_instants_beyond_utc_are_refused_as_bad_input(
    client: httpx.AsyncClient,
    settings: Settings,
    actor: Actor,
    argument: str,
    value: Any,
) -> None:
    """Evidence: `referrals(filter: {createdAfter: "0001-01-01T00:00:00+14:00"})`, or a cursor
    (`after`, `before`, `activities(after:)`) forged with such an instant, answers "Internal
    error" on both databases; the log shows OverflowError "date value out of range" from
    `value.astimezone(UTC)` in db/columns.py UTCDateTime.process_bind_param, while the
    statement's parameters are bound. api/types/referral_list.py _instant() and api/ids.py
    from_cursor() accept any datetime with an offset."""
    if argument == "filter":
        query = "query ($v: ReferralFilterInput) { referrals(filter: $v) { totalCount } }"
    elif argument == "activities":
        query = """query ($v: String) { referrals(first: 1) { nodes {
            activities(after: $v) { totalCount } } } }"""
    else:
        query = f"query ($v: String) {{ referrals({argument}: $v) {{ totalCount }} }}"
    if isinstance(value, list):
        value = encode(json.dumps([*value, uuid.uuid4().hex]))
    variables = {"v": value}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(settings, actor)
    )
    body = assert_sound(response, query + json.dumps(variables))
    error = body["errors"][0]
    # A cursor is refused by the resolver, a filter value while its variable is coerced
    # (graphql-core's message): both BAD_USER_INPUT, before any SQL, both by name.
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "between years 1 and 9999" in error["message"] or "cursor" in error["message"], body


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            """{ referrals(first: 2147483647) { nodes { activities(first: 2147483647) {
              nodes { actor { referralActivities(first: 2147483647) { totalCount } } } } } } }""",
            {},
        ),
        ("query ($n: Int) { referrals(first: $n) { totalCount } }", {"n": 2**64}),
    ],
    ids=["three nested literals", "a variable"],
)
async def test_a_cost_past_64_bits_is_refused_not_a_500(
    client: httpx.AsyncClient, settings: Settings, query: str, variables: dict[str, Any]
) -> None:
    """Evidence: both operations answer HTTP 500 "Internal Server Error". api/cost.py
    requested() multiplies the sizes as sent (variables are not coerced yet, so even
    2**64 for an Int; valid literals reach 2**93 through three nested connections); the
    COST_LIMIT_EXCEEDED refusal then carries the cost, and api/view.py encode_json
    (orjson.dumps: "Integer exceeds 64-bit range") raises, as api/metrics.py COST.observe ("int
    too large to convert to float") did before it clamped. (Below 2**63 the refusal works, but
    still counts an uncoerced variable: `first: $n` with n = 2**31 is refused as costing
    2147483648 instead of as an invalid Int.)"""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(settings)
    )
    body = assert_sound(response, query)
    assert body["errors"], body


@pytest.mark.parametrize(
    "query",
    [
        """query ($id: ID!) {
          a: referral(id: $id) { additionalInformation { closingDate }
                                 activities(first: 1, last: 1) { totalCount } }
          b: referral(id: $id) { additionalInformation { closingDate } } }""",
        """query ($id: ID!) {
          node(id: $id) { ... on Referral { customerProfile { name }
                                            activities(first: 1, last: 1) { totalCount } } }
          nodes(ids: [$id]) { ... on Referral { customerProfile { name } } } }""",
    ],
    ids=["aliases", "node and nodes"],
)
async def test_a_failing_field_does_not_cancel_loads_other_fields_share(
    client: httpx.AsyncClient, settings: Settings, actor: Actor, query: str
) -> None:
    """Evidence: both operations get no answer: asyncio.CancelledError leaves the ASGI app
    (from api/loaders.py _build_later, `await pending`), on both databases; a BaseException,
    so no middleware answers 500. `activities(first: 1, last: 1)` fails with BAD_USER_INPUT;
    graphql-core's gather_with_cancel then cancels the sibling fields' tasks, and a task
    awaiting a DataLoader future cancels that future, which the loader's cache shares with the
    other branch loading the same row: resolve() hands out the cancelled future again."""
    mine = (
        await client.post(
            "/graphql",
            json={"query": "{ referrals { nodes { id } } }"},
            headers=bearer(settings, actor),
        )
    ).json()["data"]["referrals"]["nodes"][0]["id"]
    body = {"query": query, "variables": {"id": mine}}
    request = client.build_request("POST", "/graphql", json=body, headers=bearer(settings, actor))
    answer = assert_sound(await send(client, request, query), query)
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["BAD_USER_INPUT"]
    assert answer["data"] is not None, answer
