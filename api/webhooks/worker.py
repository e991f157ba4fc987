"""The delivery worker each API worker runs: fans the event log out into deliveries, claims
due ones from the queue shared through the database, POSTs them, and records the outcome.

It wakes when this worker's event hub sees a committed change (fresh events to fan out), when
an attempt finishes, and otherwise at the earliest due retry or every WEBHOOK_POLL_SECONDS,
whichever comes first (changes made by other workers, and retries, are found that way on
SQLite too). A failure of the database or of one delivery is logged and retried; the loop
itself never ends before the app does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.fernet import InvalidToken

from api.errors import is_outage
from api.observability import metrics
from api.settings import Settings
from api.webhooks import addresses, schedule, secrets, sending, signing
from db.engine import Database
from db.webhooks import fan_out, queue
from db.webhooks import log as webhook_log
from db.webhooks.queue import Claimed, Outcome

log = logging.getLogger("referrals.webhooks")

Clock = Callable[[], datetime]
# A lease outlasts an attempt's deadline by this much before another worker may take over.
LEASE_MARGIN_SECONDS = 30.0
# Pause after the loop met an error (e.g. the database is down), so it does not spin.
ERROR_PAUSE_SECONDS = 1.0
# How long stopping waits for the loop and attempts to end once cancelled.
STOP_SECONDS = 2.0
# How often each worker prunes the delivery log.
PRUNE_SECONDS = 3600.0


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Tally:
    """What this worker has done since it started (the README's figures, /readyz)."""

    attempts: int = 0
    succeeded: int = 0
    retried: int = 0
    failed: int = 0
    fanned_out: int = 0


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        read_after: fan_out.ReadAfter | None,
        clock: Clock = wall_clock,
    ) -> None:
        self._settings = settings
        self._database = database
        self._read_after = read_after
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.tally = Tally()
        self._stopping = False
        self._next_prune = 0.0  # time.monotonic() of the next pruning of the delivery log
        self.last_error: str | None = None

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self._settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)

    def poke(self) -> None:
        """Look for work now (new events committed, an attempt finished)."""
        self._wake.set()

    def state(self) -> str:
        """ "running", "failing" (its last round met an error) or "stopped"."""
        if self._task is None or self._task.done():
            return "stopped"
        return "failing" if self.last_error else "running"

    def health(self) -> tuple[bool, str]:
        """For /readyz: unhealthy only once stopped (a failing round retries by itself, and
        the database check says when the database is away)."""
        state = self.state()
        return state != "stopped", state

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    async def stop(self) -> None:
        """Cancel the loop and the attempts in flight (their leases lapse and another worker
        takes them over), waiting a bounded time for them to end."""
        self._stopping = True
        tasks = [task for task in [self._task, *self._in_flight] if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_SECONDS)

    async def _run(self) -> None:
        async with sending.client(self._settings.webhook_timeout_seconds) as http:
            while not self._stopping:
                self._wake.clear()
                try:
                    await self._prune()
                    busy = await self._round(http)
                    # Every slot busy: an attempt that ends wakes the loop (`_finished`).
                    pause = self._settings.webhook_poll_seconds if busy else await self._idle()
                    self.last_error = None
                except Exception as error:  # the database is down, or a bug: log, go on
                    if self._stopping:  # a cancellation the driver turned into an error
                        return
                    self.last_error = f"{type(error).__name__}: {error}"
                    log.warning("webhook delivery round failed: %s", self.last_error)
                    pause = ERROR_PAUSE_SECONDS
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._wake.wait()

    async def _prune(self) -> None:
        """Drop the delivery log's settled entries older than the event log's retention,
        once per PRUNE_SECONDS."""
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_SECONDS
        older_than = self._clock() - self._settings.event_retention
        deleted = await webhook_log.prune_settled(self._database, older_than=older_than)
        if deleted:
            log.info("pruned %d settled webhook deliveries", deleted)

    async def _round(self, http: httpx.AsyncClient) -> bool:
        """Fan out new events, then claim what is due into the free slots; whether every
        slot is busy."""
        settings = self._settings
        window = timedelta(seconds=settings.webhook_retry_window_seconds)
        if self._read_after is not None:
            while True:
                read = await fan_out.fan_out(
                    self._database, self._read_after, now=self._clock(), window=window
                )
                self.tally.fanned_out += read or 0
                if read != fan_out.BATCH:
                    break
        room = settings.webhook_concurrency - len(self._in_flight)
        if room <= 0:
            return True
        claimed = await queue.claim(self._database, now=self._clock(), lease=self.lease, limit=room)
        for delivery in claimed:
            task = asyncio.create_task(self._attempt(http, delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(self._in_flight) >= settings.webhook_concurrency

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None and is_outage(error):  # its lease lapses; it is tried again
            log.warning("webhook delivery attempt not recorded: %s", error)
        elif error is not None:
            log.error("webhook delivery attempt failed", exc_info=error)
        self.poke()

    async def _idle(self) -> float:
        """Until the earliest due retry, at most the poll interval."""
        poll = self._settings.webhook_poll_seconds
        due = await queue.next_due(self._database)
        if due is None:
            return poll
        return max(0.0, min(poll, (due - self._clock()).total_seconds()))

    async def _attempt(self, http: httpx.AsyncClient, delivery: Claimed) -> None:
        settings, attempts = self._settings, delivery.attempts
        self.tally.attempts += 1
        outcome = await self._send(http, delivery)
        now = self._clock()
        retry_at = None
        if not outcome.succeeded:
            retry_at = schedule.next_attempt(
                delivery.attempts,
                now=now,
                retry_until=delivery.retry_until,
                base=settings.webhook_retry_base_seconds,
                cap=settings.webhook_retry_max_delay_seconds,
            )
        settled = await queue.settle(self._database, delivery, outcome, now=now, retry_at=retry_at)
        if not settled:
            log.info("webhook delivery %s: lease lost, outcome not recorded", delivery.id)
            metrics.WEBHOOK_ATTEMPTS.labels("lost").inc()
        elif outcome.succeeded:
            self.tally.succeeded += 1
            metrics.WEBHOOK_ATTEMPTS.labels("succeeded").inc()
            metrics.WEBHOOK_DELAY.observe(max(0.0, (now - delivery.occurred_date).total_seconds()))
        elif retry_at is None:
            self.tally.failed += 1
            metrics.WEBHOOK_ATTEMPTS.labels("failed").inc()
            log.warning("webhook delivery %s FAILED after %d attempts", delivery.id, attempts)
        else:
            self.tally.retried += 1
            metrics.WEBHOOK_ATTEMPTS.labels("retry").inc()

    async def _send(self, http: httpx.AsyncClient, delivery: Claimed) -> Outcome:
        settings = self._settings
        started = time.monotonic()
        try:
            endpoint = await addresses.resolve(
                delivery.url,
                production=settings.is_production,
                allow_private=settings.webhook_allow_private_addresses,
            )
        except addresses.RefusedEndpoint as refused:
            return Outcome(False, None, f"not sent: url {refused}")
        try:
            secret = secrets.unseal(delivery.sealed_secret, settings.webhook_secret_key)
        except InvalidToken:
            return Outcome(False, None, "not sent: the secret cannot be unsealed (key changed?)")
        payload = signing.body(
            event_name=delivery.event_name,
            event_id=delivery.event_id,
            referral_id=delivery.referral_id,
            occurred_date=delivery.occurred_date,
            base_url=settings.public_base_url,
        )
        headers = {
            signing.EVENT_ID_HEADER: str(delivery.event_id),
            signing.DELIVERY_ID_HEADER: str(delivery.id),
            signing.SIGNATURE_HEADER: signing.signature(
                secret, int(self._clock().timestamp()), payload
            ),
        }
        # Resolution counted in the attempt's deadline.
        left = settings.webhook_timeout_seconds - (time.monotonic() - started)
        return await sending.post(http, endpoint, payload, headers, deadline=max(left, 0.1))


@contextlib.asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()
