"""The guards' one extension: the token limit, the node limit before any SQL, the cost it
reports, and its order (a refused subscription never starts)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from asgi_lifespan import LifespanManager
from graphql import Lexer, Source, TokenKind

from api.app import create_app
from api.auth.tokens import mint_token
from api.settings import Settings
from tests.api.guards.test_shape import an_owner, answer
from tests.factories import make_actor
from tests.graphql_socket import GraphQLSocket, eventually, hub, serving
from tests.helpers import Api, MovableClock


def _tokens(query: str) -> int:
    lexer, count = Lexer(Source(query)), 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
async def test_tokens_are_limited(api: Api, extra: int, refused: bool) -> None:
    owner = await an_owner(api)
    base = "{ referrals(filter: {status: []}) { totalCount } }"
    filler = 2000 - _tokens(base) + extra
    query = base.replace("[]", "[" + "PENDING " * filler + "]")
    assert _tokens(query) == 2000 + extra
    body = await answer(api, owner, query)
    if refused:
        assert "more than 2000 tokens" in body["errors"][0]["message"]
    else:
        assert "errors" not in body, body


@pytest.mark.parametrize(("connections", "refused"), [(4, False), (5, True)])
async def test_cost_over_the_limit_is_refused_before_any_sql(
    api: Api, connections: int, refused: bool
) -> None:
    owner = await an_owner(api)
    inner = " ".join(
        f"a{i}: activities(first: 100) {{ nodes {{ id }} }}" for i in range(connections)
    )
    query = f"{{ referrals(first: 100) {{ nodes {{ {inner} }} }} }}"
    requested = 100 * (1 + 100 * connections)
    await answer(api, owner, "{ referrals(first: 1) { totalCount } }")  # warm the pool
    with api.count_statements() as log:
        body = await answer(api, owner, query)
    if refused:
        error = body["errors"][0]
        assert error["extensions"] == {
            "code": "COST_LIMIT_EXCEEDED",
            "cost": requested,
            "limit": 50_000,
        }
        assert body["data"] is None
        assert log.count == 0
    else:
        assert "errors" not in body, body
        assert body["extensions"]["cost"]["requested"] == requested
        assert log.count > 0


async def test_every_response_reports_requested_and_actual_cost(api: Api) -> None:
    owner = await an_owner(api)
    body = await answer(api, owner, "{ referrals(first: 10) { nodes { id participants { id } } } }")
    assert body["extensions"]["cost"]["requested"] == 10 * (1 + 10)
    assert body["extensions"]["cost"]["actual"] == 2  # one referral, its one participant
    assert body["extensions"]["cost"]["points"] == 1
    assert body["extensions"]["cost"]["rateLimit"]["remaining"] == 5_000 - 1


# --- the order: node limit, then the rate limit; a refused subscription never starts ---------

SMALL_EVENTS = "subscription { referralEvents { activity { id } } }"
LARGE_EVENTS = """subscription { referralEvents { referral {
  a: activities(first: 100) { nodes { id } } b: activities(first: 100) { nodes { id } }
} } }"""  # 200 objects


async def _refusal_over_the_socket(socket_: GraphQLSocket, query: str, id: str) -> str:
    """The code of the error a subscription was answered with instead of starting."""
    await socket_.subscribe(query, id=id)
    message = await socket_.receive()
    assert message["type"] in ("error", "next"), message
    if message["type"] == "error":
        errors = message["payload"]
    else:  # its errors without data, then `complete`: it never started
        assert message["payload"]["data"] is None
        errors = message["payload"]["errors"]
        assert await socket_.receive() == {"id": id, "type": "complete"}
    code: str = errors[0]["extensions"]["code"]
    return code


async def test_a_subscription_the_guards_refuse_never_starts(
    settings: Settings, clock: MovableClock
) -> None:
    # One point a window, and at most 100 objects: a second subscription is over the budget.
    tight = dataclasses.replace(settings, max_cost=100, rate_limit_points=1)
    app = create_app(tight, clock=clock)
    async with LifespanManager(app), serving(app) as base:
        async with app.state.database.engine.begin() as conn:
            owner = await make_actor(conn)
        token = mint_token(
            tight, organization_id=owner.organization_id, user_id=owner.user_id, now=clock()
        )
        async with GraphQLSocket.open(base) as socket_:
            await socket_.init(token)
            # Over the node limit: refused before the budget is asked, so nothing is charged.
            assert await _refusal_over_the_socket(socket_, LARGE_EVENTS, "1") == (
                "COST_LIMIT_EXCEEDED"
            )
            assert len(hub(app)) == 0
            await socket_.subscribe(SMALL_EVENTS, id="2")  # charged the window's one point
            await eventually(lambda: len(hub(app)) == 1)
            assert await _refusal_over_the_socket(socket_, SMALL_EVENTS, "3") == "RATE_LIMITED"
            assert len(hub(app)) == 1


async def test_a_batch_s_members_refused_by_the_rate_limit_answer_200_with_retry_after(
    settings: Settings, clock: MovableClock
) -> None:
    tight = dataclasses.replace(settings, max_cost=100, rate_limit_points=1, batching=True)
    app = create_app(tight, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        api = Api(client, tight, clock, app.state.database)
        owner = await an_owner(api)
        response = await client.post(
            "/graphql",
            json=[{"query": "{ __typename }"}] * 3,
            headers={"Authorization": f"Bearer {api.token(owner)}"},
        )
    assert response.status_code == 200
    assert response.headers["retry-after"] == "60"
    assert "x-ratelimit-remaining" not in response.headers  # a batch has no one state
    codes = sorted(
        str([e["extensions"]["code"] for e in body.get("errors", [])]) for body in response.json()
    )
    assert codes == ["['RATE_LIMITED']", "['RATE_LIMITED']", "[]"]
