"""createWebhook, updateWebhook, deleteWebhook and redeliverWebhookDelivery.

A URL is checked (scheme, and every address its host resolves to) before anything is
written; the secret is made here, sealed for the database, and shown in createWebhook's
payload only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.graph.mutations.convert import named, pk
from api.graph.mutations.payloads import write
from api.graph.mutations.user_errors import UserError
from api.graph.types.webhook import Webhook, WebhookDelivery
from api.webhooks import addresses, secrets
from db.refusals import FieldError, InvalidInput
from db.webhooks import log, registry
from db.webhooks.models import WebhookEventName

_URL = (
    f"The endpoint, at most {addresses.URL_MAX} characters: https (http is accepted outside "
    "production), at a host that resolves to public addresses only. Redirects are not followed."
)
_EVENTS = "The events to receive; at least one."
_DESCRIPTION = f"Your note on what it is for, at most {registry.DESCRIPTION_MAX} characters."


@strawberry.input(description="A new webhook of your organization.")
class CreateWebhookInput:
    url: str = strawberry.field(description=_URL)
    events: list[WebhookEventName] = strawberry.field(description=_EVENTS)
    description: str | None = strawberry.field(default=None, description=_DESCRIPTION)


@strawberry.input(description="Changes to a webhook; fields left out (or null) stay as they are.")
class UpdateWebhookInput:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")
    url: str | None = strawberry.field(default=None, description=_URL)
    events: list[WebhookEventName] | None = strawberry.field(default=None, description=_EVENTS)
    active: bool | None = strawberry.field(
        default=None, description="False pauses deliveries; true resumes them."
    )
    description: str | None = strawberry.field(
        default=None, description=_DESCRIPTION + " An empty string clears it."
    )


@strawberry.input(description="The webhook to delete.")
class DeleteWebhookInput:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")


@strawberry.input(description="The delivery to send again.")
class RedeliverWebhookDeliveryInput:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery's ID.")


def _errors() -> Any:
    return strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="The result of createWebhook.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(description="The new webhook; null when refused.")
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_...`): shown here once and never again. "
        "Verify each delivery's `X-Referrals-Signature` with it."
    )
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of updateWebhook.")
class UpdateWebhookPayload:
    webhook: Webhook | None = strawberry.field(
        description="The webhook as it is now; null if it does not exist or is not yours."
    )
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = strawberry.field(
        description="The deleted webhook's ID; null when refused."
    )
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of redeliverWebhookDelivery.")
class RedeliverWebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        description="The delivery as it is now (PENDING, due now); null if it does not "
        "exist or is not yours."
    )
    user_errors: list[UserError] = _errors()


async def _checked_url(info: Info, url: str) -> str:
    settings = info.context.settings
    try:
        await addresses.resolve(
            url,
            production=settings.is_production,
            allow_private=settings.webhook_allow_private_addresses,
        )
    except addresses.RefusedEndpoint as refused:
        raise InvalidInput([FieldError(("url",), str(refused))]) from None
    return url


async def _webhook_now(info: Info, webhook_id: uuid.UUID | None) -> Webhook | None:
    if webhook_id is None:
        return None
    row = await info.context.loaders.webhook_by_id.load(webhook_id)
    return None if row is None else Webhook.from_row(row)


@strawberry.mutation(
    description="Register a webhook for your organization's referral events. Its signing "
    "secret is in the payload, once."
)
async def create_webhook(
    info: Info,
    input: Annotated[CreateWebhookInput, strawberry.argument(description="The webhook.")],
) -> CreateWebhookPayload:
    context = info.context
    secret = secrets.new_secret()

    async def work() -> uuid.UUID:
        return await registry.create_webhook(
            context.database,
            context.viewer,
            url=await _checked_url(info, input.url),
            events=input.events,
            description=input.description,
            sealed_secret=secrets.seal(secret, context.settings.webhook_secret_key),
        )

    webhook_id, errors = await write(info, work)
    return CreateWebhookPayload(
        webhook=await _webhook_now(info, webhook_id),
        secret=None if webhook_id is None else secret,
        user_errors=errors,
    )


@strawberry.mutation(description="Change a webhook of your organization.")
async def update_webhook(
    info: Info,
    input: Annotated[UpdateWebhookInput, strawberry.argument(description="The changes.")],
) -> UpdateWebhookPayload:
    context = info.context

    async def work() -> uuid.UUID:
        webhook_id = pk(input.id, "Webhook", ("id",))
        patch = registry.WebhookPatch(
            url=None if input.url is None else await _checked_url(info, input.url),
            events=input.events,
            active=input.active,
            description=input.description,
        )
        return await registry.update_webhook(context.database, context.viewer, webhook_id, patch)

    _, errors = await write(info, work)
    return UpdateWebhookPayload(
        webhook=await _webhook_now(info, named(input.id, "Webhook")), user_errors=errors
    )


@strawberry.mutation(description="Delete a webhook of your organization, with its delivery log.")
async def delete_webhook(
    info: Info,
    input: Annotated[DeleteWebhookInput, strawberry.argument(description="The webhook.")],
) -> DeleteWebhookPayload:
    context = info.context

    async def work() -> None:
        webhook_id = pk(input.id, "Webhook", ("id",))
        await registry.delete_webhook(context.database, context.viewer, webhook_id)

    _, errors = await write(info, work)
    return DeleteWebhookPayload(deleted_webhook_id=None if errors else input.id, user_errors=errors)


@strawberry.mutation(
    description="Send a delivery again now, with a fresh retry window: one that SUCCEEDED or "
    "FAILED, or a PENDING one waiting for its next retry (not one being attempted right now)."
)
async def redeliver_webhook_delivery(
    info: Info,
    input: Annotated[
        RedeliverWebhookDeliveryInput, strawberry.argument(description="The delivery.")
    ],
) -> RedeliverWebhookDeliveryPayload:
    context = info.context

    async def work() -> uuid.UUID:
        delivery_id = pk(input.delivery_id, "WebhookDelivery", ("delivery_id",))
        # The queue runs on the wall clock, as the delivery workers do.
        return await log.redeliver(
            context.database,
            context.viewer,
            delivery_id,
            now=datetime.now(UTC),
            window=timedelta(seconds=context.settings.webhook_retry_window_seconds),
        )

    delivery_id, errors = await write(info, work)
    row = None
    if (found := delivery_id or named(input.delivery_id, "WebhookDelivery")) is not None:
        row = await context.loaders.delivery_by_id.load(found)
    return RedeliverWebhookDeliveryPayload(
        delivery=None if row is None else WebhookDelivery.from_row(row), user_errors=errors
    )
