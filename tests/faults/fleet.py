"""The processes of a change-feed run: API workers (uvicorn, one PID each) over one database.

Every worker binds a free port of 127.0.0.1 and is stopped by its own PID at the end; `kill`
is a hard kill -9 of one worker mid-run, `start` brings one back on its port.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.test_workers import free_port, start_worker, worker_environment

# The webhook settings of issue 13 (EVENTLOG-INTERFACE): deliveries to 127.0.0.1 allowed, and a
# retry schedule short enough for a run of a minute. Workers without webhooks ignore them.
FLEET_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_WINDOW_SECONDS": "300",
    "WEBHOOK_RETRY_MAX_DELAY_SECONDS": "4",
    "WEBHOOK_POLL_SECONDS": "1",
    # A delivery whose worker died (or whose outcome could not be written while PostgreSQL was
    # down) is taken again when its lease lapses: this timeout + 30 s (api/webhooks/worker.py).
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "RATE_LIMIT_POINTS": "100000000",  # the writers' pace is the scenario's, not the budget's
    "SUBSCRIPTION_QUEUE_SIZE": "1000",  # slow-subscriber closing has tests of its own
}
START_SECONDS = 45.0  # a worker's start-up, on a loaded machine


@dataclass
class Worker:
    """One uvicorn process serving the app; `process` None once killed or stopped."""

    index: int
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, env: dict[str, str]) -> None:
        self.starts += 1
        log = self.log.with_name(f"{self.log.stem}-{self.starts}.log")
        self.process = start_worker(self.base, env, log)

    def kill(self) -> None:
        """kill -9 of this worker's PID: no shutdown, its sockets reset."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM to that PID: uvicorn shuts down gracefully
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class Fleet:
    env: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    def live(self, first: int = 0) -> list[str]:
        """host:port of the live workers, starting from worker `first` (a client's own)."""
        count = len(self.workers)
        ordered = [self.workers[(first + offset) % count] for offset in range(count)]
        return [worker.base for worker in ordered if worker.alive]

    async def healthy(self, worker: Worker) -> None:
        deadline = time.monotonic() + START_SECONDS
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                assert worker.alive, f"worker {worker.index} exited; see {worker.log.parent}"
                try:
                    if (await client.get(f"http://{worker.base}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"worker {worker.index} did not start"
                await asyncio.sleep(0.1)

    async def restart(self, worker: Worker) -> None:
        worker.start(self.env)
        await self.healthy(worker)


@contextmanager
def fleet(database_url: str, count: int, directory: Path) -> Iterator[Fleet]:
    """`count` workers on `database_url`, sharing a PROMETHEUS_MULTIPROC_DIR in `directory`;
    each stopped by its PID at the end, whatever state the run left it in."""
    metrics = directory / "prometheus"
    metrics.mkdir()
    env = {**worker_environment(database_url, metrics), **FLEET_SETTINGS}
    running = Fleet(env)
    try:
        for index in range(count):
            worker = Worker(index, free_port(), directory / f"worker-{index}.log")
            running.workers.append(worker)
            worker.start(env)
        yield running
    finally:
        for worker in running.workers:
            worker.stop()
