"""Automatic persisted queries and the production safelist at run time: register, look up, share
between workers, refuse."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from api.settings import Settings
from api.transport.persisted import DocumentCache
from db.tables import registered_operation
from tests.api.transport.persisted_support import (
    CREATE,
    OPERATIONS,
    QUERY,
    apq,
    get,
    load_operations,
    send,
    sha256,
    stored_documents,
)
from tests.api.transport.support import GQL, api_with, new_actor, only_error
from tests.helpers import Api, MovableClock

# --- Automatic persisted queries ------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, GQL])
async def test_an_unknown_hash_is_persisted_query_not_found(api: Api, accept: str | None) -> None:
    actor = await new_actor(api)
    response = await send(api, actor, {"extensions": apq(QUERY)}, accept=accept)
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
    assert await stored_documents(api) == {}


async def test_register_then_the_hash_alone_runs(api: Api) -> None:
    actor = await new_actor(api)
    registered = await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    assert registered.status_code == 200, registered.text
    assert registered.json()["data"] == {"referrals": {"totalCount": 0}}
    stored = await stored_documents(api)
    assert stored == {sha256(QUERY): (QUERY, False)}
    async with api.database.engine.connect() as conn:
        row = (await conn.execute(select(registered_operation))).one()
    assert row.organization_id == actor.organization_id
    assert row.created_date == row.last_used_date == api.clock()
    assert row.bytes == len(QUERY)

    by_hash = await send(api, actor, {"extensions": apq(QUERY), "operationName": "Count"})
    assert by_hash.status_code == 200, by_hash.text
    assert by_hash.json()["data"] == {"referrals": {"totalCount": 0}}
    # Registering again stores nothing new.
    again = await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    assert again.json()["data"] == {"referrals": {"totalCount": 0}}
    assert await stored_documents(api) == stored


async def test_variables_go_with_the_hash(api: Api) -> None:
    actor = await new_actor(api)
    document = "query ($first: Int) { referrals(first: $first) { totalCount } }"
    body = {"query": document, "variables": {"first": 5}, "extensions": apq(document)}
    assert (await send(api, actor, body)).json()["data"] == {"referrals": {"totalCount": 0}}
    response = await send(api, actor, {"variables": {"first": 5}, "extensions": apq(document)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


@pytest.mark.parametrize("accept", [None, GQL])
async def test_a_hash_that_does_not_match_the_query_is_refused_and_nothing_stored(
    api: Api, accept: str | None
) -> None:
    actor = await new_actor(api)
    response = await send(
        api, actor, {"query": QUERY, "extensions": apq(QUERY + " ")}, accept=accept
    )
    assert response.status_code == 400
    assert only_error(response) == {
        "message": "provided sha does not match query",
        "extensions": {"code": "BAD_REQUEST"},
    }
    assert await stored_documents(api) == {}


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
    assert message in only_error(response)["message"]


async def test_a_hash_needs_authentication(api: Api) -> None:
    response = await api.client.post("/graphql", json={"extensions": apq(QUERY)})
    assert response.status_code == 401


async def test_an_invalid_document_runs_but_is_not_stored(api: Api) -> None:
    actor = await new_actor(api)
    document = "{ noSuchField }"
    response = await send(api, actor, {"query": document, "extensions": apq(document)})
    assert "Cannot query field" in response.json()["errors"][0]["message"]
    assert await stored_documents(api) == {}


# --- GET -----------------------------------------------------------------------------------


async def test_get_with_only_the_hash_runs_a_query(api: Api) -> None:
    actor = await new_actor(api)
    missing = await get(api, actor, {"extensions": json.dumps(apq(QUERY))})
    assert missing.status_code == 200
    assert only_error(missing)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    response = await get(
        api, actor, {"operationName": "Count", "extensions": json.dumps(apq(QUERY))}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_a_persisted_mutation_over_get_is_405(api: Api) -> None:
    actor = await new_actor(api)
    sent = await send(api, actor, {"query": CREATE, "variables": {}, "extensions": apq(CREATE)})
    assert sent.status_code == 200  # stored (it validates), refused for its missing input
    assert sha256(CREATE) in await stored_documents(api)
    response = await get(api, actor, {"extensions": json.dumps(apq(CREATE))})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_each_member_of_a_batch_resolves_its_own_hash(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, batching=True) as api:
        actor = await new_actor(api)
        await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
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
    actor = await new_actor(api)
    async with api_with(settings, clock) as second:
        missing = await send(second, actor, {"extensions": apq(QUERY)})
        assert only_error(missing)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
        response = await send(second, actor, {"extensions": apq(QUERY)})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"referrals": {"totalCount": 0}}


async def test_a_hot_hash_costs_no_statement_after_its_first_lookup(
    api: Api, settings: Settings, clock: MovableClock
) -> None:
    actor = await new_actor(api)
    async with api_with(settings, clock) as other:  # registered elsewhere: not in api's cache
        await send(other, actor, {"query": QUERY, "extensions": apq(QUERY)})
    with api.count_statements() as raw:
        await send(api, actor, {"query": QUERY})
    with api.count_statements() as first:
        response = await send(api, actor, {"extensions": apq(QUERY)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}
    with api.count_statements() as second:
        response = await send(api, actor, {"extensions": apq(QUERY)})
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}
    assert first.count == raw.count + 1, first.statements
    assert second.count == raw.count, second.statements


def test_the_document_cache_is_a_bounded_lru_in_bytes() -> None:
    cache = DocumentCache(entries=2, max_bytes=10)

    def document(key: str) -> str | None:
        cached = cache.get((None, key))
        return None if cached is None else cached.document

    cache.put((None, "a"), "aaa")
    cache.put((None, "b"), "bbb")
    assert document("a") == "aaa"  # now the most recently used
    cache.put((None, "c"), "ccc")
    assert (document("a"), document("b"), document("c")) == ("aaa", None, "ccc")
    cache.put((None, "d"), "éééé")  # 4 characters, 8 bytes: only room for itself
    assert (len(cache), document("d")) == (1, "éééé")
    cache.put((None, "e"), "é" * 6)  # 6 characters, 12 bytes: larger than the whole cache
    assert document("e") is None
    organization = uuid.uuid4()
    cache.put((organization, "f"), "fff")
    assert (document("f"), cache.get((organization, "f")) is not None) == (None, True)


# --- Limits ---------------------------------------------------------------------------------


async def test_the_cost_limit_refuses_an_over_cost_persisted_operation(
    settings: Settings, clock: MovableClock
) -> None:
    document = "{ referrals(first: 50) { nodes { id } } }"
    async with api_with(settings, clock, max_cost=10) as api:
        actor = await new_actor(api)
        registered = await send(api, actor, {"query": document, "extensions": apq(document)})
        assert registered.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        response = await send(api, actor, {"extensions": apq(document)})
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        assert response.json()["data"] is None


# --- Safelist -------------------------------------------------------------------------------


async def test_safelist_mode_runs_only_loaded_operations(
    api: Api, settings: Settings, clock: MovableClock, database_url: str, tmp_path: Path
) -> None:
    actor = await new_actor(api)
    # Registered by a client before the safelist took effect: not on it.
    await send(api, actor, {"query": QUERY, "extensions": apq(QUERY)})
    files = tmp_path / "operations.graphql"
    files.write_text(OPERATIONS)

    result = await asyncio.to_thread(load_operations, database_url, files)
    assert result.exit_code == 0, result.output
    count = "query Count {\n  referrals {\n    totalCount\n  }\n}"
    names = (
        "query Names($first: Int) {\n  referrals(first: $first) {\n    nodes {\n      ...Named\n"
        "    }\n  }\n}\n\nfragment Named on Referral {\n  id\n  name\n}"
    )
    assert await stored_documents(api) == {
        sha256(QUERY): (QUERY, False),
        sha256(count): (count, True),
        sha256(names): (names, True),
    }
    assert "2 operations on the safelist, 2 added." in result.output

    async with api_with(settings, clock, persisted_queries_only=True) as strict:
        raw = await send(strict, actor, {"query": count}, accept=GQL)
        assert raw.status_code == 400
        assert only_error(raw)["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"

        for document in (QUERY, "{ __typename }"):  # registered by a client, or never seen
            unknown = await send(strict, actor, {"extensions": apq(document)}, accept=GQL)
            assert unknown.status_code == 400
            assert only_error(unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            registration = await send(
                strict, actor, {"query": document, "extensions": apq(document)}, accept=GQL
            )
            assert registration.status_code == 400
            assert only_error(registration)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert sha256("{ __typename }") not in await stored_documents(api)

        loaded = await send(strict, actor, {"extensions": apq(count)}, accept=GQL)
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["data"] == {"referrals": {"totalCount": 0}}
        with_fragment = await send(
            strict, actor, {"variables": {"first": 2}, "extensions": apq(names)}, accept=GQL
        )
        assert with_fragment.json()["data"] == {"referrals": {"nodes": []}}
        with_query = await send(strict, actor, {"query": count, "extensions": apq(count)})
        assert with_query.json()["data"] == {"referrals": {"totalCount": 0}}

    again = await asyncio.to_thread(load_operations, database_url, files)
    assert "2 operations on the safelist, 0 added." in again.output
