"""Liveness and readiness, outside GraphQL and without authentication."""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.errors import is_outage
from db.migrate import current_revision, head_revision

log = logging.getLogger("referrals.health")


async def healthz(_: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


def _webhook_delivery(request: Request) -> str:
    """The delivery worker's state: running, failing (its last round met an error), stopped
    (it ended: a bug), or disabled (WEBHOOK_DELIVERY=false)."""
    worker = getattr(request.app.state, "webhooks", None)
    if worker is None:
        return "disabled"
    state: str = worker.state()
    return state


async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head, and the webhook
    delivery worker runs."""
    database = request.app.state.database
    checks = {"webhookDelivery": _webhook_delivery(request)}
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(database.engine)
    except Exception as error:  # any failure means not ready; the reason goes to the log only
        if is_outage(error):  # probed every few seconds while it lasts: one line each
            log.warning("readiness check failed: %s: %s", type(error).__name__, error)
        else:
            log.exception("readiness check failed")
        return JSONResponse(
            {"status": "unavailable", "reason": "database unreachable", "checks": checks}, 503
        )
    expected = head_revision()
    if revision != expected:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": f"migrations at {revision}, expected {expected}",
                "checks": checks,
            },
            503,
        )
    if checks["webhookDelivery"] == "stopped":
        reason = "the webhook delivery worker stopped"
        return JSONResponse({"status": "unavailable", "reason": reason, "checks": checks}, 503)
    return JSONResponse({"status": "ready", "revision": revision, "checks": checks})
