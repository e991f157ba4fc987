"""Persisted operations: Apollo's automatic persisted queries, GET by hash, the safelist."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.persisted import DocumentCache
from api.settings import Settings
from db.tables import persisted_operation
from tests.factories import make_actor
from tests.helpers import Actor, Api, MovableClock

GQL = "application/graphql-response+json"
QUERY = "query Count { referrals { totalCount } }"
CREATE = """mutation Create($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { message } } }"""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def apq(document: str, *, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(document)}}


async def _actor(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        return await make_actor(conn)


async def _send(
    api: Api, actor: Actor, body: dict[str, Any], *, accept: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.token(actor)}"}
    if accept:
        headers["Accept"] = accept
    return await api.client.post("/graphql", json=body, headers=headers)


async def _get(api: Api, actor: Actor, params: dict[str, str]) -> httpx.Response:
    return await api.client.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {api.token(actor)}"}
    )


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    return error  # type: ignore[no-any-return]


async def _stored(api: Api) -> dict[str, tuple[str, bool]]:
    async with api.database.engine.connect() as conn:
        rows = (await conn.execute(select(persisted_operation))).all()
    return {row.sha256: (row.document, row.safelisted) for row in rows}


@asynccontextmanager
async def _api_with(settings: Settings, clock: MovableClock, **changes: Any) -> AsyncIterator[Api]:
    """Another app (another worker) on the same database, with `changes` to the settings."""
    changed = dataclasses.replace(settings, **changes)
    app = create_app(changed, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, changed, clock, app.state.database)


def _load(database_url: str, *paths: Path) -> Any:
    """`referrals persisted load PATHS` (in a thread: the command runs its own event loop)."""
    return CliRunner().invoke(
        cli,
        ["persisted", "load", *map(str, paths)],
        env={"DATABASE_URL": database_url},
    )


# --- Automatic persisted queries ------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, GQL])
async def test_an_unknown_hash_is_persisted_query_not_found(api: Api, accept: str | None) -> None:
    actor = await _actor(api)
    response = await _send(api, actor, {"extensions": apq(QUERY)}, accept=accept)
    assert response.status_code == 200  # Apollo Client retries with the document on 200
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert "no-cache" in response.headers["cache-control"]
    assert await _stored(api) == {}


async def test_register_then_the_hash_alone_runs(api: Api) -> None:
    actor = await _actor(api)
    registered = await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    assert registered.status_code == 200, registered.text
    assert registered.json()["data"] == {"referrals": {"totalCount": 0}}
    stored = await _stored(api)
    assert stored == {sha256(QUERY): (QUERY, False)}
    async with api.database.engine.connect() as conn:
        row = (await conn.execute(select(persisted_operation))).one()
    assert row.registered_by == actor.organization_id
    assert row.created_date == api.clock()

    by_hash = await _send(api, actor, {"extensions": apq(QUERY), "operationName": "Count"})
    assert by_hash.status_code == 200, by_hash.text
    assert by_hash.json()["data"] == {"referrals": {"totalCount": 0}}
    # Registering again stores nothing new.
    again = await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    assert again.json()["data"] == {"referrals": {"totalCount": 0}}
    assert await _stored(api) == stored


async def test_variables_go_with_the_hash(api: Api) -> None:
    actor = await _actor(api)
    document = "query ($first: Int) { referrals(first: $first) { totalCount } }"
    body = {"query": document, "variables": {"first": 5}, "extensions": apq(document)}
    assert (await _send(api, actor, body)).json()["data"] == {"referrals": {"totalCount": 0}}
    response = await _send(api, actor, {"variables": {"first": 5}, "extensions": apq(document)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


@pytest.mark.parametrize("accept", [None, GQL])
async def test_a_hash_that_does_not_match_the_query_is_refused_and_nothing_stored(
    api: Api, accept: str | None
) -> None:
    actor = await _actor(api)
    response = await _send(
        api, actor, {"query": QUERY, "extensions": apq(QUERY + " ")}, accept=accept
    )
    assert response.status_code == 400
    assert _error(response) == {
        "message": "provided sha does not match query",
        "extensions": {"code": "BAD_REQUEST"},
    }
    assert await _stored(api) == {}


@pytest.mark.parametrize(
    ("persisted_query", "message"),
    [
        ({"version": 2, "sha256Hash": sha256(QUERY)}, "Unsupported persisted query version 2"),
        ({"version": True, "sha256Hash": sha256(QUERY)}, "Unsupported persisted query version"),
        ({"sha256Hash": sha256(QUERY)}, "Unsupported persisted query version None"),
        ({"version": 1, "sha256Hash": "abc"}, "must be the 64 hex digits"),
        ({"version": 1}, "must be the 64 hex digits"),
        ("abc", "must be an object"),
    ],
)
async def test_a_malformed_persisted_query_is_400(
    api: Api, persisted_query: object, message: str
) -> None:
    response = await api.client.post(
        "/graphql", json={"extensions": {"persistedQuery": persisted_query}}
    )
    assert response.status_code == 400  # before authentication, like the other request checks
    assert message in _error(response)["message"]


async def test_a_hash_needs_authentication(api: Api) -> None:
    response = await api.client.post("/graphql", json={"extensions": apq(QUERY)})
    assert response.status_code == 401


async def test_an_invalid_document_runs_but_is_not_stored(api: Api) -> None:
    actor = await _actor(api)
    document = "{ noSuchField }"
    response = await _send(api, actor, {"query": document, "extensions": apq(document)})
    assert "Cannot query field" in response.json()["errors"][0]["message"]
    assert await _stored(api) == {}


# --- GET -----------------------------------------------------------------------------------


async def test_get_with_only_the_hash_runs_a_query(api: Api) -> None:
    actor = await _actor(api)
    missing = await _get(api, actor, {"extensions": json.dumps(apq(QUERY))})
    assert missing.status_code == 200
    assert _error(missing)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    response = await _get(
        api, actor, {"operationName": "Count", "extensions": json.dumps(apq(QUERY))}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_a_persisted_mutation_over_get_is_405(api: Api) -> None:
    actor = await _actor(api)
    sent = await _send(api, actor, {"query": CREATE, "variables": {}, "extensions": apq(CREATE)})
    assert sent.status_code == 200  # stored (it validates), refused for its missing input
    assert sha256(CREATE) in await _stored(api)
    response = await _get(api, actor, {"extensions": json.dumps(apq(CREATE))})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_each_member_of_a_batch_resolves_its_own_hash(
    settings: Settings, clock: MovableClock
) -> None:
    async with _api_with(settings, clock, batching=True) as api:
        actor = await _actor(api)
        await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
        response = await api.client.post(
            "/graphql",
            json=[
                {"extensions": apq(QUERY)},
                {"extensions": apq("{ __typename }")},
                {"query": "{ __typename }"},
            ],
            headers={"Authorization": f"Bearer {api.token(actor)}"},
        )
        assert response.status_code == 200
        found, missing, raw = response.json()
        assert found["data"] == {"referrals": {"totalCount": 0}}
        assert missing["errors"][0]["message"] == "PersistedQueryNotFound"
        assert raw["data"] == {"__typename": "Query"}


# --- Workers share the documents ------------------------------------------------------------


async def test_a_second_worker_finds_a_document_registered_through_the_first(
    api: Api, settings: Settings, clock: MovableClock
) -> None:
    actor = await _actor(api)
    async with _api_with(settings, clock) as second:
        missing = await _send(second, actor, {"extensions": apq(QUERY)})
        assert _error(missing)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
        response = await _send(second, actor, {"extensions": apq(QUERY)})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_a_hot_hash_costs_no_statement_after_its_first_lookup(
    api: Api, settings: Settings, clock: MovableClock
) -> None:
    actor = await _actor(api)
    async with _api_with(settings, clock) as other:  # registered elsewhere: not in api's cache
        await _send(other, actor, {"query": QUERY, "extensions": apq(QUERY)})
    with api.count_statements() as raw:
        await _send(api, actor, {"query": QUERY})
    with api.count_statements() as first:
        response = await _send(api, actor, {"extensions": apq(QUERY)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}
    with api.count_statements() as second:
        response = await _send(api, actor, {"extensions": apq(QUERY)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}
    assert first.count == raw.count + 1, first.statements
    assert second.count == raw.count, second.statements


def test_the_document_cache_is_a_bounded_lru() -> None:
    cache = DocumentCache(entries=2, characters=10)
    cache.put("a", "aaa")
    cache.put("b", "bbb")
    assert cache.get("a") == "aaa"  # now the most recently used
    cache.put("c", "ccc")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("aaa", None, "ccc")
    cache.put("d", "dddddddd")  # 8 characters: only room for itself
    assert (len(cache), cache.get("d")) == (1, "dddddddd")
    cache.put("e", "e" * 11)  # larger than the whole cache: never kept
    assert cache.get("e") is None


# --- Limits ---------------------------------------------------------------------------------


async def test_the_cost_limit_refuses_an_over_cost_persisted_operation(
    settings: Settings, clock: MovableClock
) -> None:
    document = "{ referrals(first: 50) { nodes { id } } }"
    async with _api_with(settings, clock, max_cost=10) as api:
        actor = await _actor(api)
        registered = await _send(api, actor, {"query": document, "extensions": apq(document)})
        assert registered.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        response = await _send(api, actor, {"extensions": apq(document)})
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        assert response.json()["data"] is None


# --- Safelist -------------------------------------------------------------------------------

OPERATIONS = """
query Count { referrals { totalCount } }

query Names($first: Int) { referrals(first: $first) { nodes { ...Named } } }

fragment Named on Referral { id name }
"""


async def test_safelist_mode_runs_only_loaded_operations(
    api: Api, settings: Settings, clock: MovableClock, database_url: str, tmp_path: Path
) -> None:
    actor = await _actor(api)
    # Registered by a client before the safelist took effect: not on it.
    await _send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    files = tmp_path / "operations.graphql"
    files.write_text(OPERATIONS)

    result = await asyncio.to_thread(_load, database_url, files)
    assert result.exit_code == 0, result.output
    count = "query Count {\n  referrals {\n    totalCount\n  }\n}"
    names = (
        "query Names($first: Int) {\n  referrals(first: $first) {\n    nodes {\n      ...Named\n"
        "    }\n  }\n}\n\nfragment Named on Referral {\n  id\n  name\n}"
    )
    assert await _stored(api) == {
        sha256(QUERY): (QUERY, False),
        sha256(count): (count, True),
        sha256(names): (names, True),
    }
    assert "2 operations on the safelist, 2 added." in result.output

    async with _api_with(settings, clock, persisted_queries_only=True) as strict:
        raw = await _send(strict, actor, {"query": count}, accept=GQL)
        assert raw.status_code == 400
        assert _error(raw)["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"

        for document in (QUERY, "{ __typename }"):  # registered by a client, or never seen
            unknown = await _send(strict, actor, {"extensions": apq(document)}, accept=GQL)
            assert unknown.status_code == 400
            assert _error(unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            registration = await _send(
                strict, actor, {"query": document, "extensions": apq(document)}, accept=GQL
            )
            assert registration.status_code == 400
            assert _error(registration)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert sha256("{ __typename }") not in await _stored(api)

        loaded = await _send(strict, actor, {"extensions": apq(count)}, accept=GQL)
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["data"] == {"referrals": {"totalCount": 0}}
        with_fragment = await _send(
            strict, actor, {"variables": {"first": 2}, "extensions": apq(names)}, accept=GQL
        )
        assert with_fragment.json()["data"] == {"referrals": {"nodes": []}}
        with_query = await _send(strict, actor, {"query": count, "extensions": apq(count)})
        assert with_query.json()["data"] == {"referrals": {"totalCount": 0}}

    again = await asyncio.to_thread(_load, database_url, files)
    assert "2 operations on the safelist, 0 added." in again.output


async def test_load_refuses_invalid_documents_and_stores_nothing(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.graphql"
    good.write_text("query Count { referrals { totalCount } }")
    bad = tmp_path / "bad.graphql"
    bad.write_text("query Bad {\n  noSuchField\n}\n")
    result = await asyncio.to_thread(_load, database_url, good, bad)
    assert result.exit_code == 1
    assert f"{bad}:2:3: Cannot query field 'noSuchField'" in result.output
    assert await _stored(api) == {}


async def test_load_resolves_fragments_across_files(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    fragment = tmp_path / "fragment.graphql"
    fragment.write_text("fragment Counted on ReferralConnection { totalCount }")
    operation = tmp_path / "operation.graphql"
    operation.write_text("query Count { referrals { ...Counted } }")
    result = await asyncio.to_thread(_load, database_url, operation, fragment)
    assert result.exit_code == 0, result.output
    ((document, safelisted),) = (await _stored(api)).values()
    assert safelisted
    assert document.startswith("query Count {")
    assert document.endswith("fragment Counted on ReferralConnection {\n  totalCount\n}")
