"""One frozen Settings, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from api.guards.budget import most_points
from db.engine import DEFAULT_POOL_SIZE

DEVELOPMENT_JWT_SECRET = (
    "development-only-secret-do-not-use-in-production-0123456789abcdefghijklmnopqrstuv"
)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/referrals.db"
# Points per organization per minute: a list screen spends 1 point a 100-referral page (see
# the README's Limits and security for how this default was chosen).
RATE_LIMIT_POINTS = 5_000
# Seals webhook secrets at rest in development (api.webhooks.secrets); public, like the JWT one.
DEVELOPMENT_WEBHOOK_SECRET_KEY = "development-only-webhook-key-do-not-use-in-production"


# Connections a SQLite worker keeps open by default (Settings.pool_size says why); on
# PostgreSQL, db.engine's DEFAULT_POOL_SIZE.
SQLITE_POOL_SIZE = 5


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret: str = field(default=DEVELOPMENT_JWT_SECRET, repr=False)
    invitation_window: timedelta = timedelta(days=14)
    default_page_size: int = 20
    max_page_size: int = 100
    # Connections per worker (no overflow), and how long a request waits for one (db.engine);
    # None: by engine (`pool_size`).
    db_pool_size: int | None = None
    db_pool_timeout_seconds: int = 5
    graphiql: bool = True
    introspection: bool = True
    # Limits per operation, fragments included (issue 4).
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_directives: int = 50
    max_document_bytes: int = 32 * 1024  # checked before parsing: comments are no tokens
    max_cost: int = 50_000  # nodes, counted before execution as GitHub does
    # Per-organization rate limit in GitHub's points (api.guards.budget), per fixed window.
    rate_limit_points: int = RATE_LIMIT_POINTS
    rate_limit_window_seconds: int = 60
    # Where every worker counts those points (api.guards.budget_stores): Redis when set, else
    # PostgreSQL when the database is, else (SQLite, one process) memory. It may hold a password.
    redis_url: str | None = field(default=None, repr=False)
    max_body_bytes: int = 1024 * 1024
    batching: bool = False
    max_batch_operations: int = 10
    resolver_deadline_seconds: float = 10.0
    cors_origins: tuple[str, ...] = ()
    # Production tokens: RS256/ES256 verified against a JWKS file or URL.
    jwks: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = 30
    # Persisted operations (issue 7): only registered ones run when this is on.
    persisted_queries_only: bool = False
    # Automatic persisted queries (issue 10): what one organization may keep registered, and
    # the largest document it may register; each worker's cache of documents, in bytes.
    apq_max_documents_per_organization: int = 500
    apq_max_bytes_per_organization: int = 4 * 1024 * 1024
    apq_max_document_bytes: int = 32 * 1024
    persisted_cache_bytes: int = 16 * 1024 * 1024
    # Live updates and operations (issue 5).
    websocket_origins: tuple[str, ...] = ()
    subscription_queue_size: int = 100
    # The event log (issue 13): how long events are kept for resuming and the feed.
    event_retention: timedelta = timedelta(days=30)
    metrics: bool = True
    tracing: bool = False
    # Freeze start-up objects out of the garbage collector and collect the young generation
    # less often: a 100-referral page allocates tens of thousands of short-lived objects
    # (api.app.GC_THRESHOLDS says how often each generation is collected).
    gc_tuning: bool = True
    # Plan each selection once and complete its plain-data fields directly (issue 14;
    # api.graph.executor); off: graphql-core's executor resolves every field.
    query_planner: bool = True
    # Webhooks (issue 13): who may be called, how often a failing endpoint is retried, and
    # how long one attempt may take (api.webhooks).
    webhook_delivery: bool = True  # run this worker's delivery loop
    webhook_allow_private_addresses: bool = False
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_max_delay_seconds: float = 3600.0
    webhook_retry_window_seconds: float = 24 * 3600.0
    webhook_timeout_seconds: float = 10.0
    webhook_poll_seconds: float = 5.0
    webhook_concurrency: int = 8
    webhook_secret_key: str = field(default=DEVELOPMENT_WEBHOOK_SECRET_KEY, repr=False)
    # Where the resources a webhook names live (its ResourceUri and AuditUri).
    public_base_url: str = "http://127.0.0.1:8000"

    @property
    def pool_size(self) -> int:
        """DB_POOL_SIZE, or by engine: PostgreSQL keeps a connection per request in flight
        (20); SQLite's connections are threads of one file on this host, each with its own page
        and statement caches (about 3 MB once warm), and past a few they add memory, not speed:
        with 20, a worker's RSS climbed 15% over four rounds of 16 clients (tests/test_memory.py)
        against 7% with 5."""
        if self.db_pool_size is not None:
            return self.db_pool_size
        return SQLITE_POOL_SIZE if self.database_url.startswith("sqlite") else DEFAULT_POOL_SIZE

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        environment: Literal["development", "production"]
        match env.get("APP_ENV", "development"):
            case "development":
                environment = "development"
            case "production":
                environment = "production"
            case other:
                raise SettingsError(f"APP_ENV must be 'development' or 'production', not {other!r}")
        settings = cls(
            environment=environment,
            database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            jwt_secret=env.get("JWT_SECRET", DEVELOPMENT_JWT_SECRET),
            invitation_window=timedelta(days=_int(env, "INVITATION_WINDOW_DAYS", 14, low=1)),
            max_page_size=_int(env, "MAX_PAGE_SIZE", 100, low=1),
            db_pool_size=(
                None if env.get("DB_POOL_SIZE") is None else _int(env, "DB_POOL_SIZE", 0, low=1)
            ),
            db_pool_timeout_seconds=_int(env, "DB_POOL_TIMEOUT_SECONDS", 5, low=1),
            graphiql=_bool(env, "GRAPHIQL", environment == "development"),
            introspection=_bool(env, "INTROSPECTION", environment == "development"),
            max_depth=_int(env, "MAX_QUERY_DEPTH", 10, low=1),
            max_aliases=_int(env, "MAX_ALIASES", 15, low=0),
            max_tokens=_int(env, "MAX_TOKENS", 2000, low=10),
            max_directives=_int(env, "MAX_DIRECTIVES", 50, low=0),
            max_document_bytes=_int(env, "MAX_DOCUMENT_BYTES", 32 * 1024, low=1024),
            max_cost=_int(env, "MAX_QUERY_COST", 50_000, low=1),
            rate_limit_points=_int(env, "RATE_LIMIT_POINTS", RATE_LIMIT_POINTS, low=1),
            rate_limit_window_seconds=_int(env, "RATE_LIMIT_WINDOW_SECONDS", 60, low=1),
            redis_url=_redis_url(env.get("REDIS_URL") or None),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1024 * 1024, low=1024),
            batching=_bool(env, "BATCHING", False),
            max_batch_operations=_int(env, "MAX_BATCH_OPERATIONS", 10, low=1),
            resolver_deadline_seconds=float(_int(env, "RESOLVER_DEADLINE_SECONDS", 10, low=1)),
            cors_origins=_origins(env.get("CORS_ORIGINS", "")),
            jwks=env.get("JWKS") or None,
            jwt_issuer=env.get("JWT_ISSUER") or None,
            jwt_audience=env.get("JWT_AUDIENCE") or None,
            jwt_leeway_seconds=_int(env, "JWT_LEEWAY_SECONDS", 30, low=0),
            persisted_queries_only=_bool(env, "PERSISTED_QUERIES_ONLY", False),
            apq_max_documents_per_organization=_int(
                env, "APQ_MAX_DOCUMENTS_PER_ORGANIZATION", 500, low=1
            ),
            apq_max_bytes_per_organization=_int(
                env, "APQ_MAX_BYTES_PER_ORGANIZATION", 4 * 1024 * 1024, low=1024
            ),
            apq_max_document_bytes=_int(env, "APQ_MAX_DOCUMENT_BYTES", 32 * 1024, low=1024),
            persisted_cache_bytes=_int(env, "PERSISTED_CACHE_BYTES", 16 * 1024 * 1024, low=1024),
            websocket_origins=_origins(env.get("WEBSOCKET_ORIGINS", "")),
            subscription_queue_size=_int(env, "SUBSCRIPTION_QUEUE_SIZE", 100, low=1),
            event_retention=timedelta(days=_int(env, "EVENT_RETENTION_DAYS", 30, low=1)),
            metrics=_bool(env, "METRICS", True),
            tracing=_bool(env, "TRACING", False),
            gc_tuning=_bool(env, "GC_TUNING", True),
            query_planner=_bool(env, "QUERY_PLANNER", True),
            webhook_delivery=_bool(env, "WEBHOOK_DELIVERY", True),
            webhook_allow_private_addresses=_bool(env, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False),
            webhook_retry_base_seconds=float(_int(env, "WEBHOOK_RETRY_BASE_SECONDS", 10, low=1)),
            webhook_retry_max_delay_seconds=float(
                _int(env, "WEBHOOK_RETRY_MAX_DELAY_SECONDS", 3600, low=1)
            ),
            webhook_retry_window_seconds=float(
                _int(env, "WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600, low=1)
            ),
            webhook_timeout_seconds=float(_int(env, "WEBHOOK_TIMEOUT_SECONDS", 10, low=1)),
            webhook_poll_seconds=float(_int(env, "WEBHOOK_POLL_SECONDS", 5, low=1)),
            webhook_concurrency=_int(env, "WEBHOOK_CONCURRENCY", 8, low=1),
            webhook_secret_key=env.get("WEBHOOK_SECRET_KEY", DEVELOPMENT_WEBHOOK_SECRET_KEY),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        )
        for old in ("COST_BUDGET", "COST_BUDGET_REFILL_PER_SECOND"):
            if old in env:
                raise SettingsError(
                    f"{old} is gone: the rate limit is RATE_LIMIT_POINTS per "
                    "RATE_LIMIT_WINDOW_SECONDS (see the README's Limits and security)"
                )
        if most_points(settings.max_cost) > settings.rate_limit_points:
            raise SettingsError(
                f"RATE_LIMIT_POINTS ({settings.rate_limit_points}) must be at least "
                f"{most_points(settings.max_cost)}, the points of an operation at "
                f"MAX_QUERY_COST ({settings.max_cost}); else such an operation could never run"
            )
        check_jwt_secret(settings)
        if settings.is_production and settings.webhook_secret_key == DEVELOPMENT_WEBHOOK_SECRET_KEY:
            raise SettingsError(
                "WEBHOOK_SECRET_KEY must be set in production; the development key is public"
            )
        if len(settings.webhook_secret_key) < 32:
            raise SettingsError("WEBHOOK_SECRET_KEY must be at least 32 characters")
        if settings.apq_max_document_bytes > settings.apq_max_bytes_per_organization:
            raise SettingsError(
                "APQ_MAX_DOCUMENT_BYTES must not exceed APQ_MAX_BYTES_PER_ORGANIZATION "
                f"({settings.apq_max_document_bytes} > {settings.apq_max_bytes_per_organization})"
            )
        return settings


def check_jwt_secret(settings: Settings) -> None:
    """SettingsError unless JWT_SECRET is strong enough and, in production, not the public
    development secret. `from_env` checks it, and so does the authenticator at start-up (for
    settings built in code)."""
    if len(settings.jwt_secret) < 32:
        raise SettingsError("JWT_SECRET must be at least 32 characters (HS256 key strength)")
    if settings.is_production and settings.jwt_secret == DEVELOPMENT_JWT_SECRET:
        raise SettingsError(
            "JWT_SECRET must be set in production; the development secret is public"
        )


def _redis_url(url: str | None) -> str | None:
    """REDIS_URL as redis-py reads it: redis:// or rediss:// with a host, or unix:// with a
    path; an optional database number as the path (redis://host:6379/0)."""
    if url is None:
        return None
    parsed = urlsplit(url)
    problem = None
    try:
        parsed.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        problem = "its port is not a number"
    if problem is None and parsed.scheme in ("redis", "rediss"):
        database = parsed.path.lstrip("/")
        if not parsed.hostname:
            problem = "it names no host"
        elif database and not database.isdigit():
            problem = f"its path must be a database number, not {parsed.path!r}"
    elif problem is None and parsed.scheme == "unix":
        problem = None if parsed.path else "it names no socket path"
    elif problem is None:
        problem = "its scheme must be redis://, rediss:// or unix://"
    if problem is not None:
        # The URL itself is not repeated: it may hold a password.
        raise SettingsError(f"REDIS_URL is not a Redis URL: {problem}")
    return url


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip())


def _int(env: Mapping[str, str], name: str, default: int, *, low: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
    if value < low:
        raise SettingsError(f"{name} must be at least {low}, not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")
