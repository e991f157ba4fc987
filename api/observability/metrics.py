"""The Prometheus metrics the API records, and the label values that keep them bounded.

Recorded by `RequestMetrics` (api.observability.request_metrics: HTTP requests and the query
cost the view leaves in the request's log fields), `OperationMetrics`
(api.observability.operation_metrics: each GraphQL operation's name, type, outcome, duration
and error codes) and the database pool's checkout/checkin events
(api.observability.pool_metrics). Subscriptions count themselves (`SUBSCRIPTIONS`, `EVENTS`,
`DROPPED`), webhook deliveries theirs (`WEBHOOK_ATTEMPTS`, `WEBHOOK_DELAY`).
api.observability.exposition serves them at `/metrics`.
"""

from __future__ import annotations

import re

from graphql import GraphQLError
from prometheus_client import Counter, Gauge, Histogram

from api.errors import ErrorCode, is_unexpected

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
WEBHOOK_ATTEMPTS = Counter(
    "referrals_webhook_attempts",
    "Webhook delivery attempts, by outcome: succeeded, retry (failed, tried again later), "
    "failed (the retry window is over) or lost (the lease lapsed; not recorded).",
    ["outcome"],
)
WEBHOOK_DELAY = Histogram(
    "referrals_webhook_delivery_delay_seconds",
    "From an event's occurrence to the attempt that delivered it.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400),
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
