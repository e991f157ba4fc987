"""BodySizeLimit: 413 for a body over the limit, declared or streamed, before it is read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from starlette.types import Message, Receive, Scope, Send

from api.transport.body_size import BodySizeLimit
from tests.api.transport.support import (
    GQL,
    JSON,
    auth_headers,
    media_type_of,
    new_actor,
    only_error,
    padded,
)
from tests.helpers import Api


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)])
async def test_a_body_over_the_limit_is_413(api: Api, extra: int, status: int) -> None:
    actor = await new_actor(api)
    limit = api.settings.max_body_bytes
    assert limit == 1024 * 1024
    response = await api.client.post(
        "/graphql",
        content=padded(limit + extra),
        headers=auth_headers(api, actor, **{"Content-Type": JSON}),
    )
    assert response.status_code == status, response.text[:200]
    if status == 413:
        error = only_error(response)
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
    assert media_type_of(response) == GQL
    assert only_error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    # Refused once the limit was crossed, not after reading everything.
    assert pulled <= api.settings.max_body_bytes // chunk + 2


async def test_a_streamed_body_within_the_limit_is_served(api: Api) -> None:
    actor = await new_actor(api)

    async def chunks() -> AsyncIterator[bytes]:
        body = padded(api.settings.max_body_bytes)
        for start in range(0, len(body), 100_000):
            yield body[start : start + 100_000]

    response = await api.client.post(
        "/graphql", content=chunks(), headers=auth_headers(api, actor, **{"Content-Type": JSON})
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
