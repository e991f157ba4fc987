"""Settings come from the environment in one place and refuse bad values by name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.settings import DEVELOPMENT_JWT_SECRET, SQLITE_POOL_SIZE, Settings, SettingsError
from db.engine import DEFAULT_POOL_SIZE

SECRET = "s" * 40


def test_defaults_serve_development_on_sqlite() -> None:
    settings = Settings.from_env({})
    assert settings.environment == "development"
    assert settings.database_url == "sqlite+aiosqlite:///var/referrals.db"
    assert settings.invitation_window == timedelta(days=14)
    assert settings.graphiql is True


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "APP_ENV": "production",
            "JWT_SECRET": SECRET,
            "WEBHOOK_SECRET_KEY": SECRET,
            "DATABASE_URL": "postgresql+asyncpg://db/referrals",
            "INVITATION_WINDOW_DAYS": "7",
            "DB_POOL_SIZE": "3",
            "DB_POOL_TIMEOUT_SECONDS": "2",
            "MAX_PAGE_SIZE": "1000",
        }
    )
    assert settings.is_production
    assert settings.graphiql is False  # production default
    assert settings.invitation_window == timedelta(days=7)
    assert settings.db_pool_size == 3
    assert settings.db_pool_timeout_seconds == 2
    assert settings.max_page_size == 1000
    assert settings.database_url == "postgresql+asyncpg://db/referrals"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV must be 'development' or 'production'"),
        ({"APP_ENV": "production"}, "JWT_SECRET must be set in production"),
        ({"APP_ENV": "production", "JWT_SECRET": DEVELOPMENT_JWT_SECRET}, "must be set in"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET must be at least 32 characters"),
        (
            {"APP_ENV": "production", "JWT_SECRET": "p" * 40},
            "WEBHOOK_SECRET_KEY must be set in production",
        ),
        ({"WEBHOOK_SECRET_KEY": "short"}, "WEBHOOK_SECRET_KEY must be at least 32 characters"),
        ({"WEBHOOK_RETRY_BASE_SECONDS": "0"}, "WEBHOOK_RETRY_BASE_SECONDS must be at least 1"),
        ({"INVITATION_WINDOW_DAYS": "two"}, "INVITATION_WINDOW_DAYS must be an integer"),
        ({"INVITATION_WINDOW_DAYS": "0"}, "INVITATION_WINDOW_DAYS must be at least 1"),
        ({"GRAPHIQL": "maybe"}, "GRAPHIQL must be true or false"),
        ({"DB_POOL_TIMEOUT_SECONDS": "0"}, "DB_POOL_TIMEOUT_SECONDS must be at least 1"),
        ({"MAX_PAGE_SIZE": "0"}, "MAX_PAGE_SIZE must be at least 1"),
    ],
)
def test_bad_settings_are_refused_by_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environ)


def test_gc_tuning_is_on_by_default_and_can_be_turned_off() -> None:
    assert Settings.from_env({}).gc_tuning is True
    assert Settings.from_env({"GC_TUNING": "false"}).gc_tuning is False


def test_the_quota_settings_come_from_the_environment_and_are_checked() -> None:
    defaults = Settings.from_env({})
    assert (
        defaults.apq_max_documents_per_organization,
        defaults.apq_max_bytes_per_organization,
        defaults.apq_max_document_bytes,
        defaults.persisted_cache_bytes,
    ) == (500, 4 * 1024 * 1024, 32 * 1024, 16 * 1024 * 1024)
    changed = Settings.from_env(
        {"APQ_MAX_DOCUMENTS_PER_ORGANIZATION": "50", "APQ_MAX_DOCUMENT_BYTES": "8192"}
    )
    assert (changed.apq_max_documents_per_organization, changed.apq_max_document_bytes) == (
        50,
        8192,
    )
    with pytest.raises(SettingsError, match="APQ_MAX_DOCUMENTS_PER_ORGANIZATION must be at"):
        Settings.from_env({"APQ_MAX_DOCUMENTS_PER_ORGANIZATION": "0"})
    with pytest.raises(SettingsError, match="APQ_MAX_DOCUMENT_BYTES must not exceed"):
        Settings.from_env(
            {"APQ_MAX_DOCUMENT_BYTES": "65536", "APQ_MAX_BYTES_PER_ORGANIZATION": "32768"}
        )


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://:secret@cache.internal:6380",
        "rediss://user:secret@cache.internal/2",
        "unix:///run/redis/redis.sock?db=1",
    ],
)
def test_redis_url_is_taken_as_redis_py_reads_it(url: str) -> None:
    assert Settings.from_env({"REDIS_URL": url}).redis_url == url
    assert Settings.from_env({}).redis_url is None
    assert Settings.from_env({"REDIS_URL": ""}).redis_url is None  # unset, as in a .env file
    assert "secret" not in repr(Settings.from_env({"REDIS_URL": url}))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("127.0.0.1:6379", "its scheme must be redis://, rediss:// or unix://"),
        ("http://:hunter2@cache:6379", "its scheme must be"),
        ("redis://:6379/0", "it names no host"),
        ("redis://cache:port/0", "its port is not a number"),
        ("redis://cache:6379/zero", "its path must be a database number"),
        ("unix://", "it names no socket path"),
    ],
)
def test_a_bad_redis_url_is_refused_without_repeating_it(url: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=f"REDIS_URL is not a Redis URL: {problem}") as raised:
        Settings.from_env({"REDIS_URL": url})
    assert "hunter2" not in str(raised.value)


def test_the_pool_size_defaults_by_engine_and_db_pool_size_overrides_it() -> None:
    sqlite = Settings.from_env({"DATABASE_URL": "sqlite+aiosqlite:///var/x.db"})
    postgres = Settings.from_env({"DATABASE_URL": "postgresql+asyncpg://u@h/d"})
    assert (sqlite.pool_size, postgres.pool_size) == (SQLITE_POOL_SIZE, DEFAULT_POOL_SIZE)
    assert SQLITE_POOL_SIZE < DEFAULT_POOL_SIZE
    chosen = {"DATABASE_URL": "sqlite+aiosqlite:///var/x.db", "DB_POOL_SIZE": "12"}
    assert Settings.from_env(chosen).pool_size == 12
