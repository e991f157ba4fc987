"""`/metrics` in Prometheus text format, summed across worker processes when there are several.

With several worker processes, PROMETHEUS_MULTIPROC_DIR must name an empty directory before
they start (`referrals serve --workers N` makes one under var/); every worker then writes its
numbers there and a scrape of any worker sums them all.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


def exposition() -> bytes:
    if not multiprocess():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def metrics(_: Request) -> Response:
    """Every metric in Prometheus text format; with several workers, all of theirs summed."""
    body = await asyncio.to_thread(exposition) if multiprocess() else exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def worker_stopped() -> None:
    """At a worker's orderly exit, drop its live gauges (subscriptions, pool) from the sums."""
    if multiprocess():
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


@contextmanager
def shared_directory(workers: int, parent: Path = Path("var")) -> Iterator[None]:
    """For `referrals serve --workers N` (N > 1) with PROMETHEUS_MULTIPROC_DIR unset: a fresh
    directory under var/ for the workers' metrics while they run, removed afterwards."""
    if workers < 2 or os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    parent.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="prometheus-", dir=parent.resolve())
    os.environ[MULTIPROCESS_DIR] = directory  # the workers inherit it
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(directory, ignore_errors=True)
