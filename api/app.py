"""create_app(settings) -> Starlette: the GraphQL endpoint; the lifespan owns the database."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.context import Clock
from api.graph.subscriptions.hub import EventHub, delivering
from api.guards.budget import RateLimitStore
from api.guards.budget_stores import rate_limit_store
from api.observability import exposition
from api.observability.pool_metrics import instrument_pool
from api.observability.request_metrics import RequestMetrics
from api.observability.requests import RequestLog
from api.retention import pruning
from api.settings import Settings
from api.transport.body_size import BodySizeLimit
from api.transport.cors import cors_middleware
from api.transport.graphiql import TokenProvider
from api.transport.graphiql_assets import graphiql_asset
from api.transport.health import healthz, readyz
from api.transport.view import GraphQLView, utc_now
from api.webhooks.worker import DeliveryWorker, running
from db import event_log
from db.engine import Database, create_engine

# Young-generation collections every 50,000 allocations instead of 700: measured on the
# benchmark's pages, CPU per request fell a fifth at 100 referrals and by 40% at 1,000.
# The older generations keep Python's pace (10, 10): a request in flight during two young
# collections reaches the oldest generation, and whatever of it is cyclic garbage waits there
# for a full collection, which (20, 100) put off for 100 million allocations (issue 10).
# Frozen start-up objects keep a full collection cheap.
GC_THRESHOLDS = (50_000, 10, 10)


def tune_garbage_collector() -> None:
    """Move what start-up allocated out of the collector's sight, and collect less often.

    Process-wide, so done once the app has started, never at import.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    graphiql_token: TokenProvider | None = None,
    rate_limits: RateLimitStore | None = None,
) -> Starlette:
    """The app; `graphiql_token` fills in the GraphiQL page's Authorization header (none given,
    the page has none: the CLI's development server gives a demo organization's).
    `rate_limits` counts the rate limit's points (none given, the one the settings call for:
    api.guards.budget_stores); the app closes it when it stops."""
    settings = settings or Settings.from_env()
    # Shared by every worker unless the database is SQLite; it connects on its first charge.
    store = rate_limits or rate_limit_store(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            pool_size=settings.pool_size,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        database = Database(engine)
        app.state.database = database
        if settings.metrics:
            instrument_pool(database.engine)
        # Subscriptions: the event log (events of every worker, on PostgreSQL), read after each
        # wake-up and fanned out to this worker's subscribers.
        app.state.events = EventHub(settings.subscription_queue_size)
        # Webhooks: this worker's share of the delivery queue, woken whenever the log grows.
        deliveries = database.sibling(pool_size=2)
        app.state.webhooks = DeliveryWorker(settings, deliveries, read_after=event_log.read_after)
        stop_watching = app.state.events.watch(app.state.webhooks.poke)
        app.state.checks = {  # /readyz
            "listener": app.state.events.listener_health,
            "webhookDelivery": app.state.webhooks.health,
        }
        if settings.gc_tuning:
            tune_garbage_collector()
        try:
            async with (
                delivering(database, app.state.events),
                pruning(database, settings.event_retention, clock),
                AsyncExitStack() as stack,
            ):
                if settings.webhook_delivery:
                    await stack.enter_async_context(running(app.state.webhooks))
                yield
        finally:
            await store.close()
            stop_watching()
            await deliveries.dispose()
            await database.dispose()
            exposition.worker_stopped()

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphql")

    view = GraphQLView(settings, clock, graphiql_token=graphiql_token, rate_limits=store)
    return Starlette(
        # The view answers every method itself: 405 with `Allow` and a GraphQL error body.
        routes=[
            Route("/", home),
            Route("/graphql", view),
            WebSocketRoute("/graphql", view),  # subscriptions (graphql-transport-ws)
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *([Route("/metrics", exposition.metrics)] if settings.metrics else []),
            # GraphiQL's React and GraphiQL files, from node_modules/ (an allow-list).
            *([Route("/graphiql/assets/{path:path}", graphiql_asset)] if settings.graphiql else []),
        ],
        # CORS outermost, so that even a 413 carries its headers and a browser can read it.
        middleware=[
            Middleware(RequestLog),
            *([Middleware(RequestMetrics)] if settings.metrics else []),
            *cors_middleware(settings.cors_origins),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
