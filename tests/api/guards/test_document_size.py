"""Documents are bounded in bytes before parsing; parsed documents are cached by bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
from sqlalchemy import func, select

from db.tables import persisted_operation
from tests.factories import make_actor
from tests.helpers import Actor, Api

LIMIT = 32 * 1024


def padded(size: int, query: str = "{ __typename }") -> str:
    """`query` after a comment, `size` UTF-8 bytes in all."""
    filler = size - len(query) - 2
    return "#" + "x" * filler + "\n" + query


async def _actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


def _refusal(response: httpx.Response, size: int) -> None:
    assert response.status_code == 413, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
    assert f"is {size} bytes; the limit is {LIMIT} bytes" in error["message"]


async def test_a_document_at_the_limit_runs(api: Api) -> None:
    actor = await _actor(api)
    response = await api.post(padded(LIMIT), actor=actor)
    assert response.json()["data"] == {"__typename": "Query"}, response.text


async def test_a_comment_padded_document_over_the_limit_is_refused_before_parsing(
    api: Api,
) -> None:
    """Evidence: a 1 MB comment-padded `{ __typename }` ran (comments are no tokens), and
    each unique one was parsed and kept in a cache of 512 entries of any size."""
    actor = await _actor(api)
    with api.count_statements() as log:
        _refusal(await api.post(padded(LIMIT + 1), actor=actor), LIMIT + 1)
        _refusal(await api.post(padded(1_000_000), actor=actor), 1_000_000)
    assert log.count == 0


async def test_bytes_are_counted_not_characters(api: Api) -> None:
    actor = await _actor(api)
    query = '{ referrals(filter: {search: "' + "ü" * 17000 + '"}) { totalCount } }'
    size = len(query.encode())
    assert len(query) < LIMIT < size
    _refusal(await api.post(query, actor=actor), size)


async def test_get_is_refused_alike(api: Api) -> None:
    actor = await _actor(api)
    response = await api.client.get(
        "/graphql",
        params={"query": padded(LIMIT + 100)},
        headers={"Authorization": f"Bearer {api.token(actor)}"},
    )
    _refusal(response, LIMIT + 100)


async def test_a_persisted_query_registration_is_refused_alike_and_nothing_is_stored(
    api: Api,
) -> None:
    actor = await _actor(api)
    query = padded(LIMIT + 1)
    persisted = {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    body: dict[str, Any] = {"query": query, "extensions": {"persistedQuery": persisted}}
    response = await api.client.post(
        "/graphql",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {api.token(actor)}", "Content-Type": "application/json"},
    )
    _refusal(response, LIMIT + 1)
    async with api.database.engine.connect() as conn:
        stored = await conn.scalar(select(func.count()).select_from(persisted_operation))
    assert stored == 0
