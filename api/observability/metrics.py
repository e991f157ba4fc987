"""Prometheus metrics and `/metrics` (prometheus-client's text format).

Recorded in three places: `RequestMetrics` (HTTP requests, and the query cost the view leaves
in the request's log fields), `OperationMetrics` (each GraphQL operation: name, type, outcome,
duration, error codes) and the database pool's checkout/checkin events (`instrument_pool`).
Subscriptions count themselves (`SUBSCRIPTIONS`, `EVENTS`, `DROPPED`).

With several worker processes, PROMETHEUS_MULTIPROC_DIR must name an empty directory before
they start (`referrals serve --workers N` makes one under var/); every worker then writes its
numbers there and a scrape of any worker sums them all.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.errors import ErrorCode, is_unexpected

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COST_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000)
MAX_COST = 10**15  # observed costs are capped here: a float holds it exactly

REQUESTS = Counter(
    "referrals_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
OPERATIONS = Counter(
    "referrals_graphql_operations",
    "GraphQL operations run, by operation name and type, and outcome (ok or errors).",
    ["operation_name", "operation_type", "outcome"],
)
LATENCY = Histogram(
    "referrals_graphql_operation_duration_seconds",
    "Time to parse, validate and execute a query or mutation, by operation name and type.",
    ["operation_name", "operation_type"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "referrals_graphql_errors",
    "GraphQL errors in results, by `extensions.code`.",
    ["code"],
)
COST = Histogram(
    "referrals_graphql_query_cost",
    "Requested cost (objects the operation may load) of single HTTP operations, by name.",
    ["operation_name"],
    buckets=COST_BUCKETS,
)
SUBSCRIPTIONS = Gauge(
    "referrals_subscriptions_active",
    "Subscriptions open on WebSocket connections.",
    multiprocess_mode="livesum",
)
EVENTS = Counter("referrals_subscription_events", "Referral events delivered to subscribers.")
DROPPED = Counter(
    "referrals_subscribers_dropped",
    "Subscribers closed because their queue overflowed (1013 subscriber too slow).",
)
POOL_IN_USE = Gauge(
    "referrals_db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)

# Operation names are chosen by clients: only sane ones become label values, and only so many.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
MAX_OPERATION_NAMES = 500
_names: set[str] = set()


def operation_label(name: object) -> str:
    if name is None:
        return "anonymous"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return "invalid"
    if name not in _names:
        if len(_names) >= MAX_OPERATION_NAMES:
            return "other"
        _names.add(name)
    return name


_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics", "/graphiql/assets")


def route_label(path: str) -> str:
    for route in _ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "/" if path == "/" else "other"


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if is_unexpected(error):
        return ErrorCode.INTERNAL_SERVER_ERROR.value
    return ErrorCode.GRAPHQL_VALIDATION_FAILED.value


class RequestMetrics:
    """Counts HTTP requests; sits inside `api.observability.requests.RequestLog`, whose log fields
    (`request.state.log`) give the operation and its cost once the response is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_label(scope.get("path", ""))
            REQUESTS.labels(route, scope.get("method", ""), str(status)).inc()
            fields: dict[str, Any] = scope.get("state", {}).get("log", {})
            cost = fields.get("cost")
            if isinstance(cost, int) and route == "/graphql":  # capped: costs can be huge
                COST.labels(operation_label(fields.get("operation"))).observe(min(cost, MAX_COST))


class OperationMetrics(SchemaExtension):
    """Counts each GraphQL operation and its errors, and times queries and mutations (a
    subscription's operation lasts as long as the subscription: counted, not timed)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        execution = self.execution_context
        try:
            kind = execution.operation_type
        except RuntimeError:  # no operation: the document did not parse
            kind = None
        name = operation_label(execution.operation_name)
        type_label = kind.value if kind is not None else "unknown"
        result = execution.result
        errors = list(result.errors or []) if result is not None else []
        OPERATIONS.labels(name, type_label, "errors" if errors else "ok").inc()
        if kind is not OperationType.SUBSCRIPTION:
            LATENCY.labels(name, type_label).observe(time.perf_counter() - started)
        for error in errors:
            ERRORS.labels(error_code(error)).inc()


def instrument_pool(engine: AsyncEngine) -> None:
    """Keep POOL_IN_USE current from the pool's own checkout and checkin events."""
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())


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
