"""Deliveries end to end, on both databases: a change through the API reaches a receiver on
127.0.0.1 signed, is retried with back-off until it succeeds or its window ends (FAILED), is
sent again on redelivery, and never reaches an address the settings forbid."""

from __future__ import annotations

import json
import time
import uuid

from prometheus_client import REGISTRY

from api.graph.relay.ids import parse_global_id
from api.settings import Settings
from api.webhooks import signing
from api.webhooks.secrets import seal
from db.access import Viewer
from db.webhooks import registry
from db.webhooks.models import WebhookEventName
from tests.api.graph.mutation_documents import NOTE, actors, create
from tests.api.webhooks.receiver import eventually, receiving
from tests.api.webhooks.support import REDELIVER, deliveries, register, webhook_api
from tests.helpers import MovableClock


async def test_a_change_is_delivered_signed_and_logged(
    settings: Settings, clock: MovableClock
) -> None:
    # A long poll: the commit itself must wake the worker (the hub hears the log grow).
    async with (
        webhook_api(settings, clock, webhook_poll_seconds=60) as api,
        receiving() as receiver,
    ):
        owner, outsider = await actors(api)
        secret = (await register(api, owner, receiver.url))["secret"]
        await register(api, outsider, receiver.url)  # sees no referral of the owner's
        referral = await create(api, owner)
        referral_id = parse_global_id(referral["id"], argument="id").pk

        async def arrived() -> bool:
            return len(receiver.received) == 1

        await eventually(arrived)
        got = receiver.received[0]
        # What a receiver does: HMAC-SHA256 over "<t>.<raw body>" with the secret.
        assert signing.verify(
            secret, got.headers["x-referrals-signature"], got.body, now=int(time.time())
        )
        body = json.loads(got.body)
        assert body["EventName"] == "referral-created"
        assert body["ResourceName"] == "Referral"
        assert body["ReferralId"] == str(referral_id)
        assert body["EventId"] == got.headers["x-referrals-event-id"]
        assert got.headers["content-type"] == "application/json"

        async def logged() -> bool:
            return [d["status"] for d in await deliveries(api, owner)] == ["SUCCEEDED"]

        await eventually(logged)
        (delivery,) = await deliveries(api, owner)
        assert delivery["eventId"] == body["EventId"]
        assert parse_global_id(delivery["id"], argument="id").pk == uuid.UUID(
            got.headers["x-referrals-delivery-id"]
        )
        assert (delivery["eventName"], delivery["referralId"]) == (
            "REFERRAL_CREATED",
            referral["id"],
        )
        assert (delivery["attempts"], delivery["lastResponseCode"]) == (1, 200)
        assert delivery["responseExcerpt"] == "answer 200"
        assert delivery["nextAttemptAt"] is None
        assert await deliveries(api, outsider) == []  # not a participant: no delivery


async def test_a_failing_endpoint_is_retried_until_it_answers(
    settings: Settings, clock: MovableClock
) -> None:
    retries = _attempts("retry")
    async with webhook_api(settings, clock) as api, receiving(statuses=[500, 503]) as receiver:
        (owner,) = await actors(api, 1)
        secret = (await register(api, owner, receiver.url, events=["REFERRAL_CREATED"]))["secret"]
        await create(api, owner)

        async def succeeded() -> bool:
            return [d["status"] for d in await deliveries(api, owner)] == ["SUCCEEDED"]

        await eventually(succeeded)
        (delivery,) = await deliveries(api, owner)
        assert (delivery["attempts"], delivery["lastResponseCode"]) == (3, 200)
        assert len(receiver.received) == 3
        assert _attempts("retry") - retries == 2  # counted in /metrics
        # The same delivery and event each time, each attempt signed afresh.
        assert len({r.headers["x-referrals-delivery-id"] for r in receiver.received}) == 1
        assert len({r.headers["x-referrals-event-id"] for r in receiver.received}) == 1
        for attempt in receiver.received:
            header = attempt.headers["x-referrals-signature"]
            assert signing.verify(secret, header, attempt.body, now=int(time.time()))


async def test_after_the_window_a_delivery_fails_and_redelivery_sends_it_again(
    settings: Settings, clock: MovableClock
) -> None:
    async with (
        webhook_api(settings, clock, webhook_retry_window_seconds=0.6) as api,
        receiving(default=500) as receiver,
    ):
        owner, partner = await actors(api)
        await register(api, owner, receiver.url)
        await create(api, owner)

        async def failed() -> bool:
            return [d["status"] for d in await deliveries(api, owner)] == ["FAILED"]

        await eventually(failed)
        (delivery,) = await deliveries(api, owner)
        tries = delivery["attempts"]
        assert tries >= 2  # retried within the window
        assert tries == len(receiver.received)
        assert (delivery["lastResponseCode"], delivery["nextAttemptAt"]) == (500, None)
        assert delivery["responseExcerpt"] == "answer 500"

        receiver.default = 200
        answer = await api.query(REDELIVER, {"input": {"deliveryId": delivery["id"]}}, actor=owner)
        assert answer["redeliverWebhookDelivery"]["userErrors"] == []

        async def succeeded() -> bool:
            return [d["status"] for d in await deliveries(api, owner)] == ["SUCCEEDED"]

        await eventually(succeeded)
        (again,) = await deliveries(api, owner)
        assert (again["attempts"], again["lastResponseCode"]) == (tries + 1, 200)
        assert receiver.received[-1].headers["x-referrals-event-id"] == delivery["eventId"]

        # Another organization cannot redeliver it: it does not exist for them.
        other = await api.query(REDELIVER, {"input": {"deliveryId": delivery["id"]}}, actor=partner)
        assert other["redeliverWebhookDelivery"] == {
            "delivery": None,
            "userErrors": [
                {
                    "code": "NOT_FOUND",
                    "message": "No such delivery.",
                    "field": ["input", "deliveryId"],
                }
            ],
        }


async def test_a_name_resolving_to_loopback_is_not_called_when_not_allowed(
    settings: Settings, clock: MovableClock
) -> None:
    """Registered while allowed (or before the name pointed inside): refused at delivery."""
    async with (
        webhook_api(settings, clock, webhook_allow_private_addresses=False) as api,
        receiving() as receiver,
    ):
        (owner,) = await actors(api, 1)
        await registry.create_webhook(
            api.database,
            Viewer(owner.organization_id, owner.user_id, clock()),
            url=f"http://localhost:{receiver.port}/hook",
            events=[WebhookEventName.REFERRAL_CREATED],
            description=None,
            sealed_secret=seal("whsec_x", api.settings.webhook_secret_key),
        )
        await create(api, owner)

        async def settled() -> bool:
            # The claim counts the attempt (attempts, lastAttemptAt) before the address is
            # checked; the outcome (the excerpt) is written when the attempt ends.
            found = await deliveries(api, owner)
            return bool(found) and found[0]["attempts"] >= 1 and bool(found[0]["responseExcerpt"])

        await eventually(settled)
        (delivery,) = await deliveries(api, owner)
        assert delivery["lastResponseCode"] is None
        assert "'localhost' resolves to a loopback address" in delivery["responseExcerpt"]
        assert receiver.received == []


async def test_new_events_of_a_visible_referral_reach_each_participant_once(
    settings: Settings, clock: MovableClock
) -> None:
    async with webhook_api(settings, clock) as api, receiving() as receiver:
        (owner,) = await actors(api, 1)
        await register(api, owner, receiver.url, events=["REFERRAL_UPDATED"])
        referral = await create(api, owner)  # CREATED: not subscribed
        noted = await api.query(
            NOTE, {"input": {"referralId": referral["id"], "note": "Called"}}, actor=owner
        )
        assert noted["addReferralNote"]["userErrors"] == []

        async def one() -> bool:
            return [d["status"] for d in await deliveries(api, owner)] == ["SUCCEEDED"]

        await eventually(one)
        (delivery,) = await deliveries(api, owner)
        assert delivery["eventName"] == "REFERRAL_UPDATED"
        assert [json.loads(r.body)["EventName"] for r in receiver.received] == ["referral-updated"]


def _attempts(outcome: str) -> float:
    sample = REGISTRY.get_sample_value("referrals_webhook_attempts_total", {"outcome": outcome})
    return sample or 0.0
