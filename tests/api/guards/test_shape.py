"""Shape limits at their edges (depth, aliases, directives, introspection, fragments): the limit
passes, one more is refused in validation, before any SQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from graphql import get_introspection_query

from api.guards.shape import INTROSPECTION_MAX_DEPTH
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api


async def an_owner(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        await make_referral(conn, owner, created=START - timedelta(days=1))
    return owner


async def answer(api: Api, actor: Actor, query: str) -> dict[str, Any]:
    response = await api.post(query, actor=actor)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("depth", [10, 11])
async def test_depth_is_counted_through_fragments(api: Api, depth: int) -> None:
    owner = await an_owner(api)
    # referrals(1) nodes(2), then owner/referralView alternating (single objects, so the cost
    # stays small), `id` last: `depth` fields, all but the first two inside the fragment.
    chain = ["owner" if level % 2 == 0 else "referralView" for level in range(depth - 3)]
    inner = "id"
    for name in reversed(chain):
        inner = f"{name} {{ {inner} }}"
    query = f"{{ referrals {{ nodes {{ ...R }} }} }} fragment R on Referral {{ {inner} }}"
    body = await answer(api, owner, query)
    if depth <= 10:
        assert "errors" not in body, body
    else:
        assert body["errors"][0]["message"] == "the operation has depth 11; the limit is 10."
        assert body["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"


@pytest.mark.parametrize(("count", "refused"), [(15, False), (16, True)])
async def test_aliases_in_fragments_count_each_time_they_are_spread(
    api: Api, count: int, refused: bool
) -> None:
    owner = await an_owner(api)
    # 5 aliases in a fragment spread three times, plus the rest at the top level.
    fragment = "fragment A on Query { " + " ".join(f"a{i}: __typename" for i in range(5)) + " }"
    rest = " ".join(f"b{i}: __typename" for i in range(count - 15))
    query = f"{{ ...A ... on Query {{ ...A }} x: referrals {{ totalCount }} {rest} }} {fragment}"
    query = query.replace("x: referrals", "...A referrals")
    body = await answer(api, owner, query)
    if refused:
        assert (
            body["errors"][0]["message"] == f"the operation has aliases {count}; the limit is 15."
        )
    else:
        assert "errors" not in body, body


@pytest.mark.parametrize(("count", "refused"), [(50, False), (51, True)])
async def test_directives_are_limited(api: Api, count: int, refused: bool) -> None:
    owner = await an_owner(api)
    query = "{ referrals { totalCount " + "__typename @include(if: true) " * count + "} }"
    body = await answer(api, owner, query)
    if refused:
        assert body["errors"][0]["message"] == (
            f"the operation has directives {count}; the limit is 50."
        )
    else:
        assert "errors" not in body, body


async def test_introspection_is_limited_but_graphiql_s_query_passes(api: Api) -> None:
    owner = await an_owner(api)
    standard = await answer(api, owner, get_introspection_query(input_value_deprecation=True))
    assert "errors" not in standard
    assert standard["data"]["__schema"]["queryType"]["name"] == "Query"
    deep = (
        "ofType { " * (INTROSPECTION_MAX_DEPTH - 2) + "name" + " }" * (INTROSPECTION_MAX_DEPTH - 2)
    )
    too_deep = f"{{ __schema {{ types {{ fields {{ type {{ {deep} }} }} }} }} }}"
    body = await answer(api, owner, too_deep)
    assert body["errors"][0]["message"].startswith("the operation has introspection depth")


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


CYCLES = {
    "two fragments": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    "self": "{ ...A } fragment A on Query { __typename ...A }",
    "under a field": """{ referrals { nodes { ...A } } }
        fragment A on Referral { activities { nodes { referral { ...B } } } }
        fragment B on Referral { id ...A }""",
}


@pytest.mark.parametrize("query", CYCLES.values(), ids=CYCLES.keys())
async def test_a_fragment_cycle_answers_the_standard_validation_error(
    api: Api, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Evidence: `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`
    answered "maximum recursion depth exceeded" (masked as an internal error) and logged a
    traceback: api/limits.py measured each fragment with a guard holding only its own name,
    so A -> B -> A recursed until the interpreter's limit."""
    owner = await an_owner(api)
    response = await api.post(query, actor=owner)
    assert response.status_code == 200
    messages = [error["message"] for error in response.json()["errors"]]
    assert any(m.startswith("Cannot spread fragment 'A' within itself") for m in messages)
    assert not any("recursion" in message for message in messages), messages
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize("levels", [150, 5000])
async def test_a_deeply_nested_document_gets_a_clean_error(
    api: Api, levels: int, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await an_owner(api)
    query = "{" + "a{" * levels + "b" + "}" * (levels + 1)
    response = await api.post(query, actor=owner)
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert errors, response.text
    assert not any("Internal error" in error["message"] for error in errors), errors
    assert _tracebacks(caplog) == []


async def test_a_long_chain_of_fragments_gets_a_clean_answer(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await an_owner(api)
    chain = " ".join(f"fragment F{i} on Referral {{ ...F{i + 1} }}" for i in range(280))
    query = f"{{ referrals {{ nodes {{ ...F0 }} }} }} {chain} fragment F280 on Referral {{ id }}"
    response = await api.post(query, actor=owner)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body or "recursion" not in body["errors"][0]["message"], body
    assert _tracebacks(caplog) == []
