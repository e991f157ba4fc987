"""What the transport's tests share: media types, an actor and its headers, an app of one's
own settings, and readers of GraphQL-shaped refusals."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from db.tables import referral
from tests.factories import make_actor
from tests.helpers import Actor, Api, MovableClock

GQL = "application/graphql-response+json"
JSON = "application/json"
QUERY = "{ referrals { totalCount } }"
CREATE = """mutation ($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { message } } }"""


async def new_actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


def auth_headers(api: Api, actor: Actor, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(actor)}", **headers}


def only_error(response: httpx.Response) -> dict[str, Any]:
    """The one error of a GraphQL-shaped refusal."""
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert isinstance(error["message"], str)
    return error  # type: ignore[no-any-return]


def media_type_of(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def referral_count(api: Api) -> int:
    async with api.database.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)


@asynccontextmanager
async def api_with(settings: Settings, clock: MovableClock, **changes: Any) -> AsyncIterator[Api]:
    """An app of its own, built from the test's settings with `changes`."""
    changed = dataclasses.replace(settings, **changes)
    app = create_app(changed, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, changed, clock, app.state.database)


def padded(size: int) -> bytes:
    """A valid operation padded with JSON whitespace to exactly `size` bytes."""
    operation = json.dumps({"query": "{ __typename }"}).encode()
    return operation + b" " * (size - len(operation))
