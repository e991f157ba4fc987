"""One frozen Settings, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

DEVELOPMENT_JWT_SECRET = (
    "development-only-secret-do-not-use-in-production-0123456789abcdefghijklmnopqrstuv"
)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/referrals.db"


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
    db_pool_size: int = 10
    graphiql: bool = True

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
            db_pool_size=_int(env, "DB_POOL_SIZE", 10, low=1),
            graphiql=_bool(env, "GRAPHIQL", environment == "development"),
        )
        if len(settings.jwt_secret) < 32:
            raise SettingsError("JWT_SECRET must be at least 32 characters (HS256 key strength)")
        if settings.is_production and settings.jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise SettingsError(
                "JWT_SECRET must be set in production; the development secret is public"
            )
        return settings


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
