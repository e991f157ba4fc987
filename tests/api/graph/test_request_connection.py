"""A request reads on one pooled connection, and the pool opens none while clients keep coming."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from db.engine import DEFAULT_POOL_SIZE, Database
from tests.api.graph.test_statement_count import FULL_NESTED, _seed
from tests.factories import new_referral
from tests.helpers import Api


@dataclass
class PoolLog:
    """The pool's checkouts, new connections, and the most checked out at once."""

    checkouts: int = 0
    connects: int = 0
    out: int = 0
    most_out: int = 0
    background: int = 0  # checkouts of the worker's own tasks, not of the request
    events: list[str] = field(default_factory=list)


# The worker's background tasks on the app's pool: the event hub reads the log after each
# commit, the pruning at start and hourly. What a request checks out is counted apart.
BACKGROUND_TASKS = frozenset({"referral-events-hub", "referral-events-pruning"})


@contextmanager
def pool_log(database: Database) -> Iterator[PoolLog]:
    log = PoolLog()

    def checkout(_dbapi: Any, record: Any, *_: Any) -> None:
        task = asyncio.current_task()
        record.info["background"] = task is not None and task.get_name() in BACKGROUND_TASKS
        if record.info["background"]:
            log.background += 1
            return
        log.checkouts += 1
        log.out += 1
        log.most_out = max(log.most_out, log.out)

    def checkin(_dbapi: Any, record: Any) -> None:
        if record.info.pop("background", False):
            return
        log.out -= 1

    def connect(*_: Any) -> None:
        log.connects += 1

    engine = database.engine.sync_engine
    listeners = (("checkout", checkout), ("checkin", checkin), ("connect", connect))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield log
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


async def test_a_nested_page_checks_out_one_connection(api: Api) -> None:
    owner = await _seed(api, 10)
    await api.query(FULL_NESTED, {"first": 1}, actor=owner)  # warm the pool

    with pool_log(api.database) as log, api.count_statements() as statements:
        data = await api.query(FULL_NESTED, {"first": 10}, actor=owner)

    assert len(data["referrals"]["nodes"]) == 10
    assert statements.count == 12  # the batches all ran, each on the one connection
    assert log.checkouts == 1
    assert log.out == 0  # and it went back when the operation answered


async def test_a_query_that_reads_nothing_checks_out_none(api: Api) -> None:
    owner = await _seed(api, 1)
    with pool_log(api.database) as log:
        await api.query("{ __typename }", actor=owner)
    assert log.checkouts == 0


async def test_a_mutation_never_holds_two_connections(api: Api) -> None:
    owner = await _seed(api, 1)
    create = """mutation ($input: CreateReferralInput!) {
      first: createReferral(input: $input) { referral { id name participants { id } } }
      second: createReferral(input: $input) { referral { id name participants { id } } }
    }"""
    with pool_log(api.database) as log:
        data = await api.query(create, {"input": new_referral()}, actor=owner)
    assert data["first"]["referral"]["participants"]
    assert data["second"]["referral"]["participants"]
    # Each write on its own connection, each payload's reads on the request's: in turn.
    assert log.checkouts == 4
    assert log.background <= 2  # the hub's read of the log after each commit, at most
    assert log.most_out == 1
    assert log.out == 0


async def test_sixteen_clients_open_no_connection_once_the_pool_has_them(api: Api) -> None:
    owner = await _seed(api, 5)
    clients = 16
    assert clients <= DEFAULT_POOL_SIZE

    async def wave() -> None:
        pages = await asyncio.gather(
            *(api.query(FULL_NESTED, {"first": 5}, actor=owner) for _ in range(clients))
        )
        assert all(len(page["referrals"]["nodes"]) == 5 for page in pages)

    with pool_log(api.database) as first:
        await wave()
    with pool_log(api.database) as second:
        for _ in range(3):
            await wave()

    assert first.connects <= clients
    assert second.checkouts == 3 * clients  # one per request
    assert second.connects == 0  # nothing opened, so nothing was closed either
