"""Request-scoped DataLoaders, one per edge of the graph, over the batched reads of `db.reads`.

Built per request (their caches must not outlive it, nor cross viewers). Every batch reads
on the request's one connection (db.request_connection), taking turns with the others.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader, DefaultCache
from strawberry.exceptions import WrongNumberOfResultsReturned

from db import counts, event_feed, organizations, reads, referral_list
from db.access import Viewer
from db.engine import Database
from db.paging import Page, PageRequest
from db.request_connection import RequestConnection
from db.webhooks import log as webhook_log
from db.webhooks import registry as webhook_registry

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")

Read = Callable[[AsyncConnection, Viewer, Sequence[K]], Awaitable[Sequence[V]]]
MaybeRow = Row[Any] | None
PageKey = tuple[uuid.UUID, PageRequest]


@dataclass(frozen=True, slots=True)
class Loaded(Generic[V]):
    """A value a loader already holds (a box, since the value itself may be None)."""

    value: V


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose waiters cannot cancel each other's load, and that loads in bulk
    without a future per key.

    Several fields may await one cached future; graphql-core cancels a failed field's
    siblings, and a cancelled waiter would cancel the shared future under every other field
    awaiting it (which then failed with CancelledError and no answer at all). So every
    waiter gets a shield, and a load stops only when the operation ends (`abandon`).

    `fill`, `load_many` (over it) and `prime_many` keep their values in a plain dict that
    `peek` and `load` answer from: a page's prefetch asks for hundreds of keys, and the
    DataLoader's way costs a future per key and, per future, a callback through the event
    loop when it completes (issue 14: ~1,400 event-loop handles per 100-referral page).
    """

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        self._futures: dict[Hashable, asyncio.Future[V]] = {}
        super().__init__(load_fn=load_fn, cache_map=_FutureCache(self._futures))
        self._issued: list[asyncio.Future[V]] = []
        # Values loaded in bulk or primed, boxed: `peek` hands the box out as it is.
        self._held: dict[K, Loaded[V]] = {}
        # The bulk read each key was last asked of: in flight (wait for it), failed (its
        # error is the answer), cancelled (read again) or done (the value is held).
        self._filling: dict[K, asyncio.Task[None]] = {}
        self._fills: list[asyncio.Task[None]] = []

    def load(self, key: K) -> Awaitable[V]:
        """The key's value: at once when held, after its bulk read when one is in flight,
        else through the DataLoader's batch (a future per key: fields outside a prefetch)."""
        held = self._held.get(key)
        if held is not None:
            return _completed(self.loop, held.value)
        fill = self._filling.get(key)
        if fill is not None and not fill.cancelled():
            return self._held_after(fill, key)
        future = super().load(key)
        self._issued.append(future)  # type: ignore[arg-type]
        return asyncio.shield(future)

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]:
        """Every key's value, loaded in bulk (`fill`), never a future per key."""
        keys = list(keys)
        return self._values_after(self.fill(keys), keys)

    def fill(self, keys: Iterable[K]) -> Awaitable[object]:
        """Load the keys this loader does not hold yet in one batched read, started now.

        The values go to the held dict, where `peek` and `load` find them. Keys already
        loading (a bulk read in flight, or the DataLoader's batch) are waited for, not read
        again, so the statements are those the DataLoader would issue for the same keys.
        """
        missing: dict[K, None] = {}
        waits: list[asyncio.Future[Any]] = []
        held, filling, futures = self._held, self._filling, self._futures
        for key in keys:
            if key in held or key in missing:
                continue
            fill = filling.get(key)
            if fill is not None and not fill.cancelled():
                waits.append(fill)
                continue
            future = futures.get(key)
            if future is not None and not future.cancelled():
                if not future.done() or future.exception() is not None:
                    waits.append(future)
                continue
            missing[key] = None
        if missing:
            fill = self.loop.create_task(self._read(list(missing)))
            self._fills.append(fill)
            for key in missing:
                filling[key] = fill
            waits.append(fill)
        if not waits:
            return _completed(self.loop, None)
        # Shielded: this waiter's cancellation must not stop the read others wait for.
        if len(waits) == 1:
            return asyncio.shield(waits[0])
        return asyncio.shield(asyncio.gather(*dict.fromkeys(waits)))

    async def _read(self, keys: list[K]) -> None:
        values = list(await self.load_fn(keys))
        if len(values) != len(keys):
            raise WrongNumberOfResultsReturned(expected=len(keys), received=len(values))
        held = self._held
        for key, value in zip(keys, values, strict=True):
            if isinstance(value, BaseException):  # one key's error, as DataLoader keeps it
                del self._filling[key]
                failed: asyncio.Future[V] = self.loop.create_future()
                failed.set_exception(value)
                self._futures[key] = failed
            else:
                held[key] = Loaded(value)

    async def _held_after(self, fill: asyncio.Task[None], key: K) -> V:
        await asyncio.shield(fill)
        return self._answer(key)

    async def _values_after(self, filled: Awaitable[object], keys: list[K]) -> list[V]:
        await filled
        return [self._answer(key) for key in keys]

    def _answer(self, key: K) -> V:
        """The value of a key whose load has completed (its error raised again)."""
        held = self._held.get(key)
        if held is not None:
            return held.value
        return self._futures[key].result()

    def prime_many(self, data: Mapping[K, V], force: bool = False) -> None:
        """Hold `data` (values already read, such as a page's rows) without a future each."""
        held, futures = self._held, self._futures
        for key, value in data.items():
            if force or (key not in held and key not in futures):
                held[key] = Loaded(value)
        # A key waiting in a batch not yet sent is answered by the DataLoader's own priming.
        batch = self.batch
        if batch is not None and not batch.dispatched and batch.tasks:
            super().prime_many({t.key: data[t.key] for t in batch.tasks if t.key in data}, force)

    def peek(self, key: K) -> Loaded[V] | None:
        """The value already loaded for `key`, or None while it is not (never loads)."""
        held = self._held.get(key)
        if held is not None:
            return held
        future = self._futures.get(key)
        if future is None or not future.done() or future.cancelled():
            return None
        if future.exception() is not None:
            return None  # a failed load: `load` raises it again for the field that asks
        return Loaded(future.result())

    def abandon(self) -> None:
        """Cancel the loads still pending (the operation ended): their batches stop too."""
        for future in self._issued:
            future.cancel()
        self._issued.clear()
        for fill in self._fills:
            fill.cancel()
        self._fills.clear()

    def release(self) -> None:
        """Drop the cache and the last batch: the operation has its answer."""
        self.clear_all()
        self.batch = None
        self._issued.clear()
        self._held.clear()
        self._filling.clear()
        self._fills.clear()


class _FutureCache(DefaultCache[K, V]):
    """DataLoader's cache over a dict the loader reads directly (no key function per look)."""

    def __init__(self, futures: dict[Hashable, asyncio.Future[V]]) -> None:
        super().__init__()
        self.cache_map = futures


def _completed(loop: asyncio.AbstractEventLoop, value: R) -> asyncio.Future[R]:
    """An already-completed future: awaiting it answers at once, nothing is scheduled."""
    future: asyncio.Future[R] = loop.create_future()
    future.set_result(value)
    return future


class Loaders:
    def __init__(
        self, database: Database, viewer: Viewer, connection: RequestConnection | None = None
    ) -> None:
        self._viewer = viewer
        # Fresh loaders of the same request (after a write) read on the same connection.
        self.connection = connection or RequestConnection(database.reader)
        self.referral_by_id = self._loader(reads.referrals_by_id)
        self.referral_count = self._loader(reads.referral_counts)
        self.facet_counts = self._loader(counts.facet_counts)
        self.customer_profile_by_referral = self._loader(reads.customer_profiles_by_referral)
        self.customer_profile_by_id = self._loader(reads.customer_profiles_by_id)
        self.requirements_by_referral = self._loader(reads.requirements_by_referral)
        self.additional_information_by_referral = self._loader(
            reads.additional_information_by_referral
        )
        self.participant_by_id: SharedLoader[uuid.UUID, MaybeRow] = self._loader(
            reads.participants_by_id
        )
        self.participants_by_referral = self._loader(
            functools.partial(_participants_priming, self.participant_by_id)
        )
        self.users_by_participant = self._loader(reads.users_by_participant)
        self.user_by_id = self._loader(reads.users_by_id)
        self.activity_by_id = self._loader(reads.activities_by_id)
        self.activity_page_by_referral = self._loader(reads.activity_pages_by_referral)
        self.activity_page_by_participant = self._loader(reads.activity_pages_by_participant)
        self.activity_count_by_referral = self._loader(reads.activity_counts_by_referral)
        self.activity_count_by_participant = self._loader(reads.activity_counts_by_participant)
        self.organization_by_id = self._loader(organizations.organizations_by_id)
        self.organization_by_participant = self._loader(organizations.organizations_by_participant)
        self.organization_count = self._loader(organizations.organization_counts)
        self.event_count = self._loader(event_feed.event_counts)
        self.webhook_by_id = self._loader(webhook_registry.webhooks_by_id)
        self.webhook_count = self._loader(webhook_registry.webhook_counts)
        self.delivery_by_id = self._loader(webhook_log.deliveries_by_id)
        self.delivery_page = self._loader(webhook_log.delivery_pages)
        self.delivery_count = self._loader(webhook_log.delivery_counts)

    def _loader(self, read: Read[K, V]) -> SharedLoader[K, V]:
        return _batched(self.connection, self._viewer, read)

    def abandon(self) -> None:
        """Cancel every pending load of this request (its deadline passed)."""
        for loader in vars(self).values():
            if isinstance(loader, SharedLoader):
                loader.abandon()

    def release(self) -> None:
        """Drop every loader's rows and futures once the operation has its answer.

        graphql-core's execution context is a reference cycle (it stores its own bound
        methods) that holds the Context, so whatever the loaders hold would otherwise live
        until the cyclic garbage collector next runs: tens of thousands of rows, keys and
        futures for a 100-referral page (issue 10: memory grew under load and stayed).
        """
        for loader in vars(self).values():
            if isinstance(loader, SharedLoader):
                loader.release()

    async def finish(self) -> None:
        """The operation answered: drop the rows and check the request's connection in."""
        self.release()
        await self.connection.release()

    async def referral_page(
        self,
        *,
        where: referral_list.ReferralFilter,
        order: referral_list.ReferralOrder,
        request: PageRequest,
    ) -> Page:
        async with self.connection.reading() as conn:
            page = await referral_list.referral_page(
                conn, self._viewer, where=where, order=order, request=request
            )
        self.referral_by_id.prime_many({row.id: row for row in page.rows})
        return page

    async def organization_page(self, *, search: str | None, request: PageRequest) -> Page:
        async with self.connection.reading() as conn:
            page = await organizations.organization_page(
                conn, self._viewer, search=search, request=request
            )
        self.organization_by_id.prime_many({row.id: row for row in page.rows})
        return page

    async def webhook_page(self, request: PageRequest) -> Page:
        async with self.connection.reading() as conn:
            page = await webhook_registry.webhook_page(conn, self._viewer, request)
        self.webhook_by_id.prime_many({row.id: row for row in page.rows})
        return page

    async def event_page(
        self, *, where: event_feed.EventFilter, request: event_feed.EventPageRequest
    ) -> Page:
        async with self.connection.reading() as conn:
            return await event_feed.event_page(conn, self._viewer, where=where, request=request)


def _batched(connection: RequestConnection, viewer: Viewer, read: Read[K, V]) -> SharedLoader[K, V]:
    """A loader over `read`, each batch on the request's connection in its turn.

    The load function holds the connection and the viewer, never the Loaders: a loader that
    referred back to its Loaders would make every request's caches (rows, futures, keys) one
    reference cycle, freed only when the cyclic garbage collector next runs rather than when
    the request ends (issue 10: memory grew under load and stayed).
    """

    async def load(keys: list[K]) -> Sequence[V]:
        async with connection.reading() as conn:
            return await read(conn, viewer, keys)

    return SharedLoader(load_fn=load)


async def _participants_priming(
    participant_by_id: SharedLoader[uuid.UUID, MaybeRow],
    conn: AsyncConnection,
    viewer: Viewer,
    referral_ids: Sequence[uuid.UUID],
) -> list[list[Row[Any]]]:
    groups = await reads.participants_by_referral(conn, viewer, referral_ids)
    # `node(id:)` lookups of these participants later in the request answer from memory
    # (held in a dict, not a future per row).
    participant_by_id.prime_many({row.id: row for group in groups for row in group})
    return groups


Resolved: TypeAlias = R | Awaitable[R]


def resolve(loader: SharedLoader[K, V], key: K, build: Callable[[V], R]) -> Resolved[R]:
    """`build` applied to the loaded value: at once when the loader already holds it, else
    an awaitable.

    Answering from a prefetched cache without a coroutine spares graphql-core a future and
    an event-loop turn per field and row: the bulk of a nested page's overhead.
    """
    loaded = loader.peek(key)
    if loaded is not None:
        return build(loaded.value)
    return _build_later(loader.load(key), build)


async def _build_later(pending: Awaitable[V], build: Callable[[V], R]) -> R:
    return build(await pending)
