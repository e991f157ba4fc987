"""The operations a request carries: GET's query parameters or a POST's JSON body."""

from __future__ import annotations

import json

from tests.api.transport.support import (
    JSON,
    QUERY,
    auth_headers,
    new_actor,
    only_error,
)
from tests.helpers import Api


async def test_post_json_with_a_charset_runs(api: Api) -> None:
    actor = await new_actor(api)
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": QUERY}),
        headers=auth_headers(api, actor, **{"Content-Type": "application/json; charset=UTF-8"}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_get_runs_a_query_with_variables(api: Api) -> None:
    actor = await new_actor(api)
    response = await api.client.get(
        "/graphql",
        params={
            "query": "query ($first: Int) { referrals(first: $first) { totalCount } }",
            "variables": json.dumps({"first": 5}),
        },
        headers=auth_headers(api, actor),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_get_without_query_is_400(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": JSON})
    assert response.status_code == 400
    assert "no `query`" in only_error(response)["message"]


async def test_get_with_malformed_variables_is_400(api: Api) -> None:
    response = await api.client.get("/graphql", params={"query": QUERY, "variables": "{oops"})
    assert response.status_code == 400
    assert "`variables`" in only_error(response)["message"]


# --- Accept -------------------------------------------------------------------------------
