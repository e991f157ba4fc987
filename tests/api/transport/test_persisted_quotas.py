"""What one organization may keep registered: quotas evict its least recently used documents, never
another's nor the safelist."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from api.settings import Settings
from db.persisted import LAST_USED_PRECISION
from tests.api.transport.persisted_support import (
    OPERATIONS,
    apq,
    load_operations,
    padded_query,
    register,
    registered_documents,
    runs,
    send,
    sha256,
    stored_documents,
)
from tests.api.transport.support import GQL, api_with, new_actor, only_error
from tests.helpers import Api, MovableClock

# --- Quotas of automatic persisted queries ---------------------------------------------------


async def test_the_quota_evicts_the_least_recently_used_documents(
    settings: Settings, clock: MovableClock
) -> None:
    first, second, third, fourth = (padded_query(f"Q{n}") for n in range(4))
    async with api_with(settings, clock, apq_max_documents_per_organization=3) as api:
        actor = await new_actor(api)
        for document in (first, second, third):
            await register(api, actor, document)
            clock.advance(timedelta(minutes=1))
        clock.advance(LAST_USED_PRECISION)
        with api.count_statements() as used:
            assert await runs(api, actor, first)  # now the most recently used
            assert await runs(api, actor, first)
        # Use is recorded once per LAST_USED_PRECISION, not once per request.
        assert sum(s.lstrip().startswith("UPDATE") for s in used.statements) == 1

        await register(api, actor, fourth)  # one too many: `second` is the least recently used

        assert set(await registered_documents(api, actor)) == {
            sha256(d) for d in (first, third, fourth)
        }
        assert not await runs(api, actor, second)  # gone from this worker's memory too
        async with api_with(settings, clock) as fresh:  # and from the store
            assert [await runs(fresh, actor, d) for d in (first, second, third, fourth)] == [
                True,
                False,
                True,
                True,
            ]


async def test_the_byte_quota_evicts_until_the_documents_fit(
    settings: Settings, clock: MovableClock
) -> None:
    documents = [padded_query(f"Q{n}", 1000) for n in range(5)]
    async with api_with(
        settings, clock, apq_max_bytes_per_organization=3500, apq_max_document_bytes=1024
    ) as api:
        actor = await new_actor(api)
        for document in documents:
            await register(api, actor, document)
            clock.advance(timedelta(minutes=1))
        registered = await registered_documents(api, actor)
        assert set(registered) == {sha256(d) for d in documents[2:]}  # the three newest
        assert sum(registered.values()) == 3000


@pytest.mark.parametrize("accept", [None, GQL])
async def test_a_document_over_the_size_cap_is_refused_and_nothing_stored(
    settings: Settings, clock: MovableClock, accept: str | None
) -> None:
    large, largest = padded_query("Large", 2049), padded_query("Largest", 2048)
    async with api_with(settings, clock, apq_max_document_bytes=2048) as api:
        actor = await new_actor(api)
        response = await send(api, actor, {"query": large, "extensions": apq(large)}, accept=accept)
        assert response.status_code == 400
        error = only_error(response)
        assert error["extensions"]["code"] == "PERSISTED_QUERY_TOO_LARGE"
        assert "2,049 bytes" in error["message"]
        assert "at most 2,048 bytes" in error["message"]
        assert await stored_documents(api) == {}
        assert not await runs(api, actor, large)

        await register(api, actor, largest)  # at the cap: stored
        assert await registered_documents(api, actor) == {sha256(largest): 2048}


async def test_one_organization_cannot_evict_or_see_anothers_documents(
    settings: Settings, clock: MovableClock
) -> None:
    async with api_with(settings, clock, apq_max_documents_per_organization=2) as api:
        first, other = await new_actor(api), await new_actor(api)
        kept = [padded_query("Kept1"), padded_query("Kept2")]
        for document in kept:
            await register(api, first, document)
        for n in range(5):
            await register(api, other, padded_query(f"Other{n}"))

        assert set(await registered_documents(api, first)) == {sha256(d) for d in kept}
        assert len(await registered_documents(api, other)) == 2
        async with api_with(settings, clock) as fresh:  # from the store, not a worker's memory
            assert [await runs(fresh, first, d) for d in kept] == [True, True]
            # Another organization's registrations answer like hashes never registered.
            assert [await runs(fresh, other, d) for d in kept] == [False, False]
        assert [await runs(api, other, d) for d in kept] == [False, False]


async def test_concurrent_registrations_lose_nothing_and_keep_the_quota(
    settings: Settings, clock: MovableClock
) -> None:
    quota = 4
    async with (
        api_with(settings, clock, apq_max_documents_per_organization=quota) as first,
        api_with(settings, clock, apq_max_documents_per_organization=quota) as second,
    ):
        busy, calm = await new_actor(first), await new_actor(first)
        busy_documents = [padded_query(f"Busy{n}", 300) for n in range(10)]
        calm_documents = [padded_query(f"Calm{n}", 300) for n in range(quota)]
        # Two workers, each hash sent twice: the same and different hashes race.
        sends = [
            register(worker, busy, document)
            for document in busy_documents
            for worker in (first, second)
        ] + [register(worker, calm, d) for d in calm_documents for worker in (second, first)]
        await asyncio.gather(*sends)

        assert len(await registered_documents(first, busy)) == quota
        assert set(await registered_documents(first, calm)) == {sha256(d) for d in calm_documents}


async def test_the_safelist_is_never_evicted_nor_counted(
    api: Api, settings: Settings, clock: MovableClock, database_url: str, tmp_path: Path
) -> None:
    files = tmp_path / "operations.graphql"
    files.write_text(OPERATIONS)
    result = await asyncio.to_thread(load_operations, database_url, files)
    assert result.exit_code == 0, result.output
    safelisted = {sha for sha, (_, on_list) in (await stored_documents(api)).items() if on_list}
    assert len(safelisted) == 2
    count = "query Count {\n  referrals {\n    totalCount\n  }\n}"

    async with api_with(settings, clock, apq_max_documents_per_organization=1) as limited:
        actor = await new_actor(limited)
        await register(limited, actor, count)  # on the safelist: runs, nothing registered
        assert await registered_documents(limited, actor) == {}
        for n in range(3):
            await register(limited, actor, padded_query(f"Mine{n}"))
        assert len(await registered_documents(limited, actor)) == 1  # the safelist did not count
        stored = await stored_documents(limited)
        assert {sha for sha, (_, on_list) in stored.items() if on_list} == safelisted
        async with api_with(settings, clock, persisted_queries_only=True) as strict:
            assert await runs(strict, actor, count)


async def test_fifty_large_registrations_store_a_bounded_amount(api: Api) -> None:
    """The issue's attack, at the default settings: prints what the store holds after it."""
    actor = await new_actor(api)
    settings = api.settings
    for n in range(50):  # ~1 MB each: refused (by this cap, or by a general one before it)
        document = padded_query(f"Huge{n}", 1_000_000)
        response = await send(api, actor, {"query": document, "extensions": apq(document)})
        assert 400 <= response.status_code < 500, response.text
    after_huge = await registered_documents(api, actor)
    assert after_huge == {}

    largest = [padded_query(f"Large{n}", settings.apq_max_document_bytes) for n in range(150)]
    for document in largest[:50]:
        await register(api, actor, document)
    after_fifty = await registered_documents(api, actor)
    for document in largest[50:]:
        await register(api, actor, document)
    after_all = await registered_documents(api, actor)
    assert sum(after_all.values()) <= settings.apq_max_bytes_per_organization
    assert len(after_all) <= settings.apq_max_documents_per_organization
    # The figure the issue asks for (`pytest -s -k fifty_large`); the asserts above bound it.
    print(  # noqa: T201
        f"\n[{api.database.dialect}] 50 x ~1 MB: {len(after_huge)} rows, "
        f"{sum(after_huge.values()):,} bytes; 50 x {settings.apq_max_document_bytes:,} B: "
        f"{len(after_fifty)} rows, {sum(after_fifty.values()):,} bytes; 150 x "
        f"{settings.apq_max_document_bytes:,} B: {len(after_all)} rows, "
        f"{sum(after_all.values()):,} bytes"
    )
