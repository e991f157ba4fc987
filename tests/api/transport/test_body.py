"""A POST's body: malformed bodies are 400 before authentication, anything but JSON is 415 (CSRF),
batches are off by default and capped."""

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
    assert media_type_of(response) == GQL
    error = only_error(response)
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


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
    actor = await new_actor(api)
    body = json.dumps({"query": CREATE, "variables": {"input": new_referral()}})
    request = api.client.build_request(
        "POST", "/graphql", content=body, headers=auth_headers(api, actor)
    )
    if content_type is None:
        request.headers.pop("content-type", None)
    else:
        request.headers["content-type"] = content_type
    response = await api.client.send(request)
    assert response.status_code == 415, response.text
    assert only_error(response)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await referral_count(api) == 0
    # The same body as JSON does create the referral: only the content type kept it out.
    created = await api.client.post(
        "/graphql", content=body, headers=auth_headers(api, actor, **{"Content-Type": JSON})
    )
    assert created.json()["data"]["createReferral"]["userErrors"] == []
    assert await referral_count(api) == 1


async def test_batching_is_off_by_default(api: Api) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql", json=[{"query": QUERY}], headers=auth_headers(api, actor)
    )
    assert response.status_code == 400
    assert "Batching is not enabled" in only_error(response)["message"]


@pytest.mark.parametrize(("count", "refused"), [(3, False), (4, True)])
async def test_batches_are_capped(
    settings: Settings, clock: MovableClock, count: int, refused: bool
) -> None:
    async with api_with(settings, clock, batching=True, max_batch_operations=3) as api:
        actor = await new_actor(api)
        response = await api.client.post(
            "/graphql",
            json=[{"query": f"{{ n{i}: __typename }}"} for i in range(count)],
            headers=auth_headers(api, actor),
        )
        if refused:
            assert response.status_code == 400
            assert only_error(response)["message"] == (
                "A batch may hold at most 3 operations, not 4."
            )
        else:
            assert response.status_code == 200
            assert [item["data"] for item in response.json()] == [
                {f"n{i}": "Query"} for i in range(count)
            ]
