"""Webhook operations for tests, and an app whose delivery worker runs on small settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings
from tests.helpers import Actor, Api, MovableClock

ERRORS = "userErrors { code message field }"
WEBHOOK = "id url events active description createdAt"
DELIVERY = (
    "id eventId eventName referralId status attempts lastResponseCode lastAttemptAt "
    "nextAttemptAt responseExcerpt"
)
CREATE_WEBHOOK = f"""mutation ($input: CreateWebhookInput!) {{ createWebhook(input: $input) {{
  webhook {{ {WEBHOOK} }} secret {ERRORS} }} }}"""
UPDATE_WEBHOOK = f"""mutation ($input: UpdateWebhookInput!) {{ updateWebhook(input: $input) {{
  webhook {{ {WEBHOOK} }} {ERRORS} }} }}"""
DELETE_WEBHOOK = f"""mutation ($input: DeleteWebhookInput!) {{ deleteWebhook(input: $input) {{
  deletedWebhookId {ERRORS} }} }}"""
REDELIVER = f"""mutation ($input: RedeliverWebhookDeliveryInput!) {{
  redeliverWebhookDelivery(input: $input) {{ delivery {{ {DELIVERY} }} {ERRORS} }} }}"""
WEBHOOKS = f"""query ($first: Int, $after: String) {{ webhooks(first: $first, after: $after) {{
  totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {WEBHOOK} }} }} }}"""
DELIVERIES = f"""query ($status: [WebhookDeliveryStatus!]) {{ webhooks(first: 10) {{ nodes {{
  id deliveries(first: 50, status: $status) {{ totalCount nodes {{ {DELIVERY} }} }} }} }} }}"""

# Small enough for a test to see retries and the window end within a few seconds.
FAST = {
    "webhook_allow_private_addresses": True,
    "webhook_poll_seconds": 0.1,
    "webhook_retry_base_seconds": 0.05,
    "webhook_retry_max_delay_seconds": 0.2,
    "webhook_timeout_seconds": 2.0,
}


@contextlib.asynccontextmanager
async def webhook_api(
    settings: Settings, clock: MovableClock, **overrides: Any
) -> AsyncIterator[Api]:
    """An app (with its delivery worker) on `settings` changed by FAST and `overrides`."""
    settings = replace(settings, **{**FAST, **overrides})
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            api = Api(client, settings, clock, app.state.database)
            api.app = app  # type: ignore[attr-defined]
            yield api


async def register(api: Api, actor: Actor, url: str, **fields: Any) -> dict[str, Any]:
    """A new webhook (all events unless told) with its secret; fails the test if refused."""
    payload = {"url": url, "events": ["REFERRAL_CREATED", "REFERRAL_UPDATED"], **fields}
    created: dict[str, Any] = (await api.query(CREATE_WEBHOOK, {"input": payload}, actor=actor))[
        "createWebhook"
    ]
    assert created["userErrors"] == []
    return created


async def deliveries(api: Api, actor: Actor, status: list[str] | None = None) -> list[Any]:
    """Every delivery of the actor's webhooks, newest first."""
    data = await api.query(DELIVERIES, {"status": status}, actor=actor)
    return [d for hook in data["webhooks"]["nodes"] for d in hook["deliveries"]["nodes"]]
