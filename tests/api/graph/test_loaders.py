"""The request's loaders: one statement per edge whatever the number of keys, and a public peek."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest

from api.graph.loaders import Loaded, Loaders, SharedLoader, resolve
from db.access import Viewer
from db.engine import Database
from tests.conftest import START
from tests.factories import ReferralRows, make_actor, make_referral
from tests.helpers import Actor
from tests.statements import statements


async def _referrals(database: Database, count: int) -> tuple[Actor, list[ReferralRows]]:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        rows = [
            await make_referral(conn, owner, created=START - timedelta(minutes=i))
            for i in range(count)
        ]
    return owner, rows


@pytest.fixture
async def made() -> AsyncIterator[list[Loaders]]:
    """The test's loaders, finished at its end: each holds its connection until then."""
    loaders: list[Loaders] = []
    yield loaders
    for each in loaders:
        await each.finish()


def _loaders(database: Database, actor: Actor, made: list[Loaders]) -> Loaders:
    loaders = Loaders(database, Viewer(actor.organization_id, actor.user_id, START))
    made.append(loaders)
    return loaders


async def test_each_edge_costs_one_statement_whatever_the_number_of_keys(
    database: Database, made: list[Loaders]
) -> None:
    owner, rows = await _referrals(database, 5)
    ids = [row.id for row in rows]
    loaders = _loaders(database, owner, made)
    edges = (
        loaders.referral_by_id,
        loaders.customer_profile_by_referral,
        loaders.requirements_by_referral,
        loaders.additional_information_by_referral,
        loaders.participants_by_referral,
    )
    for loader in edges:
        with statements(database) as seen:
            loaded = await asyncio.gather(*(loader.load(pk) for pk in ids))
        assert len(seen) == 1, (loader, seen)
        assert all(value for value in loaded)
    with statements(database) as seen:  # everything is cached for the rest of the request
        await asyncio.gather(*(loader.load_many(ids) for loader in edges))
    assert seen == []


async def test_participants_by_referral_primes_participants_by_id(
    database: Database, made: list[Loaders]
) -> None:
    owner, rows = await _referrals(database, 2)
    loaders = _loaders(database, owner, made)
    await loaders.participants_by_referral.load_many([row.id for row in rows])
    with statements(database) as seen:
        found = await loaders.participant_by_id.load(rows[0].owner_participant_id)
    assert seen == []
    assert found is not None
    assert found.referral_id == rows[0].id


async def test_peek_answers_only_what_is_loaded_and_resolve_builds_at_once(
    database: Database, made: list[Loaders]
) -> None:
    owner, (row,) = await _referrals(database, 1)
    loaders = _loaders(database, owner, made)
    loader = loaders.referral_by_id
    assert loader.peek(row.id) is None  # peeking never loads
    missing = uuid.uuid4()
    await loader.load_many([row.id, missing])
    peeked = loader.peek(row.id)
    assert isinstance(peeked, Loaded)
    assert peeked.value is not None
    assert peeked.value.id == row.id
    assert loader.peek(missing) == Loaded(None)  # loaded, and nothing is there
    built = resolve(loader, row.id, lambda found: None if found is None else found.name)
    assert built == peeked.value.name  # built at once, not an awaitable


async def test_a_foreign_organization_loads_nothing(
    database: Database, made: list[Loaders]
) -> None:
    _, rows = await _referrals(database, 2)
    async with database.engine.begin() as conn:
        stranger = await make_actor(conn, "Stranger")
    loaders = _loaders(database, stranger, made)
    ids = [row.id for row in rows]
    assert await loaders.referral_by_id.load_many(ids) == [None, None]
    assert await loaders.participants_by_referral.load_many(ids) == [[], []]


async def test_a_cancelled_load_many_leaves_its_keys_loading_for_other_waiters(
    database: Database, made: list[Loaders]
) -> None:
    # One shield for all the keys of a load_many: cancelling its waiter (graphql-core cancels a
    # failed field's siblings) must not cancel the loads other fields await.
    owner, rows = await _referrals(database, 2)
    loader = _loaders(database, owner, made).referral_by_id
    ids = [row.id for row in rows]
    first = asyncio.ensure_future(loader.load_many(ids))
    other = asyncio.ensure_future(loader.load(ids[1]))
    await asyncio.sleep(0)
    first.cancel()
    found = await other
    assert found is not None
    assert found.id == ids[1]
    assert [row and row.id for row in await loader.load_many(ids)] == ids


async def test_abandon_cancels_what_load_many_started(
    database: Database, made: list[Loaders]
) -> None:
    owner, rows = await _referrals(database, 1)
    loader = _loaders(database, owner, made).referral_by_id
    pending = loader.load_many([rows[0].id])
    loader.abandon()
    assert loader.peek(rows[0].id) is None
    with pytest.raises(asyncio.CancelledError):
        await pending


# --- Bulk loading without a future per key (SharedLoader.fill) ---------------------------


class _Reads:
    """A batched read that records its batches; it waits for `go` once `hold` is set."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail
        self.hold = False
        self.go = asyncio.Event()
        self.cancelled = False

    async def __call__(self, keys: list[int]) -> Sequence[str | None]:
        self.batches.append(keys)
        if self.hold:
            try:
                await self.go.wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        if self.fail is not None:
            raise self.fail
        return [None if key < 0 else f"v{key}" for key in keys]


async def test_fill_reads_the_missing_keys_once_and_load_and_peek_answer_them() -> None:
    reads = _Reads()
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    await loader.fill([1, 2, 2, -1])
    await loader.fill([2, 1])  # held: nothing read
    assert reads.batches == [[1, 2, -1]]
    assert loader.peek(1) == Loaded("v1")
    assert loader.peek(-1) == Loaded(None)  # loaded, and nothing is there
    answered = loader.load(2)
    assert isinstance(answered, asyncio.Future)
    assert answered.done()  # answered at once: no batch, no event-loop turn
    assert await answered == "v2"
    assert loader.batch is None
    assert await loader.load_many([2, 3]) == ["v2", "v3"]
    assert reads.batches == [[1, 2, -1], [3]]


async def test_fill_waits_for_what_is_loading_rather_than_reading_it_again() -> None:
    # The same statements as the DataLoader's: a key in flight is not read twice.
    reads = _Reads()
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    single = loader.load(1)
    filled = loader.fill([1, 2])
    assert await single == "v1"
    await filled
    assert sorted(reads.batches) == [[1], [2]]
    assert loader.peek(1) == Loaded("v1")
    assert loader.peek(2) == Loaded("v2")


async def test_a_cancelled_waiter_of_a_fill_leaves_it_reading_for_the_others() -> None:
    reads = _Reads()
    reads.hold = True
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    first = asyncio.ensure_future(loader.fill([1, 2]))
    second = asyncio.ensure_future(loader.fill([2]))
    single = asyncio.ensure_future(loader.load(1))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    reads.go.set()
    await second
    assert await single == "v1"
    assert reads.batches == [[1, 2]]
    assert not reads.cancelled


async def test_a_failed_fill_raises_its_error_to_every_field_that_asks() -> None:
    # As a failed DataLoader batch: each waiter gets the read's error, and it is not read again.
    error = RuntimeError("the read failed")
    reads = _Reads(fail=error)
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    with pytest.raises(RuntimeError) as raised:
        await loader.fill([1, 2])
    assert raised.value is error
    assert loader.peek(1) is None
    with pytest.raises(RuntimeError) as raised:
        await loader.load(2)
    assert raised.value is error
    with pytest.raises(RuntimeError):
        await loader.fill([1])
    assert reads.batches == [[1, 2]]


async def test_abandon_cancels_a_fill_in_flight_and_a_later_load_reads_again() -> None:
    reads = _Reads()
    reads.hold = True
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    filled = loader.fill([1])
    await asyncio.sleep(0)
    loader.abandon()
    with pytest.raises(asyncio.CancelledError):
        await filled
    assert reads.cancelled
    assert loader.peek(1) is None
    reads.hold = False
    assert await loader.load(1) == "v1"
    assert reads.batches == [[1], [1]]


async def test_release_drops_what_fill_and_priming_held() -> None:
    reads = _Reads()
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    await loader.fill([1])
    loader.prime_many({5: "primed"})
    assert loader.peek(5) == Loaded("primed")
    assert await loader.load(5) == "primed"
    loader.release()
    assert loader.peek(1) is None
    assert loader.peek(5) is None
    assert reads.batches == [[1]]


async def test_prime_many_answers_a_key_waiting_in_a_batch_not_yet_sent() -> None:
    reads = _Reads()
    loader: SharedLoader[int, str | None] = SharedLoader(reads)
    waiting = loader.load(1)
    loader.prime_many({1: "primed"})
    assert await waiting == "primed"
    await asyncio.sleep(0)
    assert reads.batches == []
