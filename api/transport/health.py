"""Liveness and readiness, outside GraphQL and without authentication.

Besides the database, readiness asks the app's background parts (`app.state.checks`, filled
in by the lifespan: the event listener) whether they work: each check answers whether it is
healthy and a word for its state, shown under `checks`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.errors import is_outage
from db.migrate import current_revision, head_revision

log = logging.getLogger("referrals.health")


async def healthz(_: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head."""
    database = request.app.state.database
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(database.engine)
    except Exception as error:  # any failure means not ready; the reason goes to the log only
        if is_outage(error):  # probed every few seconds while it lasts: one line each
            log.warning("readiness check failed: %s: %s", type(error).__name__, error)
        else:
            log.exception("readiness check failed")
        return JSONResponse({"status": "unavailable", "reason": "database unreachable"}, 503)
    expected = head_revision()
    if revision != expected:
        return JSONResponse(
            {"status": "unavailable", "reason": f"migrations at {revision}, expected {expected}"},
            503,
        )
    checks: dict[str, Check] = getattr(request.app.state, "checks", {})
    states = {name: check() for name, check in checks.items()}
    shown = {"database": "ok", **{name: state for name, (_, state) in states.items()}}
    failing = [name for name, (healthy, _) in states.items() if not healthy]
    if failing:
        reason = ", ".join(f"{name} {states[name][1]}" for name in failing)
        return JSONResponse({"status": "unavailable", "reason": reason, "checks": shown}, 503)
    return JSONResponse({"status": "ready", "revision": revision, "checks": shown})


# A background part's health: whether it works, and a word for its state.
Check = Callable[[], tuple[bool, str]]
