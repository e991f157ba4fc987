"""Measurements in this process, through ASGI (no sockets): both apps with the same settings.

- the floor's JSON equals our API's for a few pages and two organizations (else the bench fails);
- SQL statements per request, counted with a `before_cursor_execute` listener, at each page size;
- latency at 10, 100 and 1,000 referrals per page (Settings(max_page_size=1000));
- a pyinstrument profile of our API answering the 100-referral page.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from pyinstrument import Profiler
from pyinstrument.frame import AWAIT_FRAME_IDENTIFIER, Frame
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from api.app import create_app
from bench.config import ROOT, RunConfig
from bench.cpu import cores, snapshot, wait_quiet
from bench.floor import create_floor_app
from bench.workload import IN_PROCESS, OTHER_VIEWER, VIEWER, app_settings, page_body, token

APPS = ("ours", "floor")
OTHER = "other (stdlib: uuid, datetime, enum, typing...)"
WAITING = "waiting for the database (await, idle event loop)"
MIXED_PAGES = 5  # the mixed run reads the first five pages


class BenchFailure(Exception):
    """The benchmark cannot give fair numbers (e.g. the floor answers other data)."""


@dataclass
class InProcessResults:
    equal_pages: int = 0
    bytes_identical: bool = True
    extra_top_level_keys: list[str] = field(default_factory=list)  # e.g. ours' "extensions"
    page_cursors: list[str | None] = field(default_factory=list)
    statements: dict[str, dict[int, int]] = field(default_factory=dict)
    statement_text: dict[str, list[str]] = field(default_factory=dict)
    checkouts: dict[str, int] = field(default_factory=dict)  # pool checkouts per 100-page
    page_size_cores: dict[str, Any] = field(default_factory=dict)  # while timing page sizes
    page_latency_ms: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Client:
    http: httpx.AsyncClient
    engine: AsyncEngine

    async def page(self, first: int, after: str | None, bearer: str) -> bytes:
        response = await self.http.post(
            "/graphql",
            content=page_body(first, after),
            headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
        )
        if response.status_code != 200 or b'"errors"' in response.content:
            raise BenchFailure(f"{response.status_code}: {response.text[:500]}")
        return response.content


def first_difference(ours: Any, floor: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (a path and both values), or None if equal."""
    if isinstance(ours, dict) and isinstance(floor, dict):
        for key in dict.fromkeys([*ours, *floor]):
            found = first_difference(ours.get(key), floor.get(key), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(ours, list) and isinstance(floor, list) and len(ours) == len(floor):
        for index, (mine, theirs) in enumerate(zip(ours, floor, strict=True)):
            found = first_difference(mine, theirs, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if ours == floor and type(ours) is type(floor):
        return None
    return f"{path or '(root)'}: ours {json.dumps(ours)[:300]}, floor {json.dumps(floor)[:300]}"


@asynccontextmanager
async def _serve(name: str, url: str, now: datetime) -> AsyncIterator[_Client]:
    settings = app_settings(url, **IN_PROCESS)
    app: Starlette
    if name == "ours":
        app = create_app(settings, clock=lambda: now)
    else:
        app = create_floor_app(settings, clock=lambda: now)
    async with LifespanManager(app) as manager:
        engine: AsyncEngine = app.state.database.engine if name == "ours" else app.state.engine
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            yield _Client(http, engine)


@dataclass
class _Log:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0  # connections taken from the pool (one per request: no pre-ping)


@contextmanager
def _counting(engine: AsyncEngine) -> Iterator[_Log]:
    log = _Log()

    def record(*args: Any) -> None:
        log.statements.append(args[2])

    def checkout(*_: Any) -> None:
        log.checkouts += 1

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    event.listen(engine.sync_engine, "checkout", checkout)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        event.remove(engine.sync_engine, "checkout", checkout)


async def check_equal(url: str, config: RunConfig, results: InProcessResults) -> None:
    """Page through both apps as two organizations; every page's JSON must be equal."""
    now = datetime.now(UTC)
    async with _serve("ours", url, now) as ours, _serve("floor", url, now) as floor:
        next_cursor: str | None = None
        for organization in (VIEWER, OTHER_VIEWER):
            bearer = token(organization, now=now)
            after: str | None = None
            for number in range(config.equality_pages):
                if organization is VIEWER:
                    results.page_cursors.append(after)
                mine, theirs = (
                    await ours.page(config.page_size, after, bearer),
                    await floor.page(config.page_size, after, bearer),
                )
                ours_body, floor_body = json.loads(mine), json.loads(theirs)
                results.extra_top_level_keys = sorted(
                    set(results.extra_top_level_keys) | (set(ours_body) - set(floor_body))
                )
                difference = first_difference(ours_body["data"], floor_body["data"], ".data")
                if difference is not None:
                    raise BenchFailure(
                        f"the floor's JSON differs from our API's on page {number + 1} "
                        f"for organization {organization.name}: {difference}"
                    )
                results.equal_pages += 1
                results.bytes_identical &= mine == theirs
                after = json.loads(mine)["data"]["referrals"]["pageInfo"]["endCursor"]
            if organization is VIEWER:
                next_cursor = after
        # The mixed run pages further than the equality check needs.
        bearer = token(VIEWER, now=now)
        while len(results.page_cursors) < MIXED_PAGES and next_cursor is not None:
            results.page_cursors.append(next_cursor)
            page = json.loads(await ours.page(config.page_size, next_cursor, bearer))
            next_cursor = page["data"]["referrals"]["pageInfo"]["endCursor"]


async def count_and_time(url: str, config: RunConfig, results: InProcessResults) -> None:
    """Statements per request and latency, both apps, at every page size."""
    now = datetime.now(UTC)
    bearer = token(VIEWER, now=now)
    for name in APPS:
        async with _serve(name, url, now) as client:
            counts: dict[int, int] = {}
            timings: dict[int, dict[str, float]] = {}
            for size, repeats in zip(config.page_sizes, config.page_size_repeats, strict=True):
                await client.page(size, None, bearer)  # warm caches and the pool
                with _counting(client.engine) as log:
                    await client.page(size, None, bearer)
                counts[size] = len(log.statements)
                if size == config.page_size:
                    results.checkouts[name] = log.checkouts
                    results.statement_text[name] = [
                        " ".join(s.split())[:160] for s in log.statements
                    ]
                samples = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    await client.page(size, None, bearer)
                    samples.append((time.perf_counter() - started) * 1000)
                median = statistics.median(samples)
                timings[size] = {
                    "median_ms": median,
                    "min_ms": min(samples),
                    "per_referral_us": median * 1000 / size,
                    "requests": len(samples),
                }
            results.statements[name] = counts
            results.page_latency_ms[name] = timings


def _category(path: str | None) -> str | None:
    if path is None:
        return None
    for marker, name in (
        ("/graphql/", "graphql-core (parse, validate, execute)"),
        ("/strawberry/", "strawberry"),
        ("/sqlalchemy/", "SQLAlchemy"),
        ("/aiosqlite/", "database driver"),
        ("/asyncpg/", "database driver"),
        ("/json/", "json"),
        ("/starlette/", "starlette + httpx (ASGI transport)"),
        ("/httpx/", "starlette + httpx (ASGI transport)"),
        ("/httpcore/", "starlette + httpx (ASGI transport)"),
        ("/jwt/", "PyJWT"),
        ("/selectors.py", WAITING),
        ("/asyncio/", "asyncio event loop"),
        (f"{ROOT}/api/", "our code: api/"),
        (f"{ROOT}/db/", "our code: db/"),
        (f"{ROOT}/bench/", "benchmark client"),
    ):
        if marker in path:
            return name
    return OTHER


def _breakdown(root: Frame) -> tuple[dict[str, float], dict[str, float]]:
    """Self time per category and per function (seconds).

    pyinstrument records a frame's own time in a synthetic `[self]` child and time spent
    awaiting in an `[await]` child: both count for the frame above them.
    """
    by_category: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    stack: list[tuple[Frame, str, str]] = [(root, OTHER, "(root)")]
    while stack:
        frame, category, function = stack.pop()
        if frame.identifier == AWAIT_FRAME_IDENTIFIER:
            category, function = WAITING, WAITING
        elif not frame.is_synthetic:
            category = _category(frame.file_path) or category
            function = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            by_category[category] += own
            by_function[function] += own
        stack.extend((child, category, function) for child in frame.children)
    return dict(by_category), dict(by_function)


async def profile(url: str, config: RunConfig, results: InProcessResults, out: Path) -> None:
    """Where our API's time goes on the 100-referral page (pyinstrument, event-loop thread)."""
    now = datetime.now(UTC)
    bearer = token(VIEWER, now=now)
    async with _serve("ours", url, now) as client:
        for _ in range(3):
            await client.page(config.page_size, None, bearer)
        profiler = Profiler(interval=0.001, async_mode="enabled")
        profiler.start()
        started = time.perf_counter()
        for _ in range(config.profile_requests):
            await client.page(config.page_size, None, bearer)
        wall = time.perf_counter() - started
        session = profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    await asyncio.to_thread(out.write_text, text)
    root = session.root_frame()
    by_category, by_function = ({}, {}) if root is None else _breakdown(root)
    total = sum(by_category.values()) or 1.0
    requests = config.profile_requests
    results.profile = {
        "requests": requests,
        "wall_ms_per_request": wall * 1000 / requests,
        "categories": {
            name: {"ms_per_request": seconds * 1000 / requests, "share": seconds / total}
            for name, seconds in sorted(by_category.items(), key=lambda item: -item[1])
        },
        "top_functions": [
            {"function": name, "ms_per_request": seconds * 1000 / requests}
            for name, seconds in sorted(by_function.items(), key=lambda item: -item[1])[:15]
        ],
        "text": str(out),
    }


async def run(url: str, config: RunConfig, profile_out: Path) -> InProcessResults:
    results = InProcessResults()
    await check_equal(url, config, results)
    wait_quiet(config.quiet_wait_s)
    before = snapshot([os.getpid()])
    await count_and_time(url, config, results)
    results.page_size_cores = asdict(cores(before, snapshot([os.getpid()]), 0.0))
    await profile(url, config, results, profile_out)
    return results
