"""The world's webhooks: one of the caller's and one of another organization's, each with a
delivery, so that every webhook ID argument is probed with own and foreign IDs."""

from __future__ import annotations

import uuid

from api.graph.relay.ids import to_global_id
from db.access import Viewer
from db.models import ActivityType
from db.tables import webhook_delivery
from db.webhooks import registry
from db.webhooks.fan_out import event_name
from db.webhooks.models import WebhookDeliveryStatus, WebhookEventName
from tests.conftest import START
from tests.helpers import Actor, Api


async def _webhook_with_delivery(
    api: Api, actor: Actor, referral_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID]:
    webhook_id = await registry.create_webhook(
        api.database,
        Viewer(actor.organization_id, actor.user_id, START),
        url="https://hooks.example/in",
        events=[WebhookEventName.REFERRAL_CREATED],
        description=None,
        sealed_secret="sealed",
    )
    delivery_id = uuid.uuid4()
    async with api.database.engine.begin() as conn:
        await conn.execute(
            webhook_delivery.insert().values(
                id=delivery_id,
                webhook_id=webhook_id,
                event_id=uuid.uuid4(),
                event_position=1,
                event_name=event_name(ActivityType.CREATED),
                referral_id=referral_id,
                occurred_date=START,
                status=WebhookDeliveryStatus.SUCCEEDED,
                attempts=1,
                next_attempt_date=START,
                retry_until=START,
                created_date=START,
            )
        )
    return webhook_id, delivery_id


async def webhook_ids(
    api: Api, caller: Actor, own_referral: uuid.UUID, other: Actor, other_referral: uuid.UUID
) -> tuple[dict[str, str], dict[str, str]]:
    """(own, foreign) global IDs of a Webhook and a WebhookDelivery each."""
    mine = await _webhook_with_delivery(api, caller, own_referral)
    theirs = await _webhook_with_delivery(api, other, other_referral)
    own = {
        "Webhook": to_global_id("Webhook", mine[0]),
        "WebhookDelivery": to_global_id("WebhookDelivery", mine[1]),
    }
    foreign = {
        "Webhook": to_global_id("Webhook", theirs[0]),
        "WebhookDelivery": to_global_id("WebhookDelivery", theirs[1]),
        "Webhook key as WebhookDelivery": to_global_id("WebhookDelivery", theirs[0]),
    }
    return own, foreign
