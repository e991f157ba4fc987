"""Status codes of GraphQL failures: 400 without data under graphql-response+json, 200 in legacy
JSON."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.transport.support import (
    GQL,
    JSON,
    auth_headers,
    media_type_of,
    new_actor,
    only_error,
)
from tests.helpers import Api

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
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql", json=payload, headers=auth_headers(api, actor, Accept=GQL)
    )
    assert response.status_code == 400, response.text
    assert media_type_of(response) == GQL
    body = response.json()
    assert "data" not in body
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize(("payload", "message"), REQUEST_ERRORS)
async def test_request_errors_are_200_in_legacy_json(
    api: Api, payload: dict[str, Any], message: str
) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql", json=payload, headers=auth_headers(api, actor, Accept=JSON)
    )
    assert response.status_code == 200, response.text
    assert media_type_of(response) == JSON
    body = response.json()
    assert body["data"] is None
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_an_operation_with_field_errors_is_200_with_data(api: Api, accept: str) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ ok: referrals { totalCount } bad: referrals(first: 0) { totalCount } }"},
        headers=auth_headers(api, actor, Accept=accept),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" in body
    assert body["errors"][0]["path"] == ["bad"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_unknown_operation_name_is_400(api: Api) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql",
        json={"query": "query A { __typename }", "operationName": "B"},
        headers=auth_headers(api, actor),
    )
    assert response.status_code == 400
    assert only_error(response)["message"] == 'Unknown operation named "B".'
