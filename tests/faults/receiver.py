"""A webhook receiver on 127.0.0.1: checks each delivery's signature as README's snippet does,
records it by event ID, and answers 500 to the first attempt at every fourth event, so that
deliveries are retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOLERANCE_SECONDS = 300  # a signature's timestamp older than this is refused (replays)
EVENT_NAMES = {"referral-created", "referral-updated"}


def signature_valid(secret: str, header: str, body: bytes, now: float) -> bool:
    """`X-Referrals-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(now - timestamp) <= TOLERANCE_SECONDS
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class Delivery:
    event_id: uuid.UUID
    delivery_id: str
    at: float  # time.time() on arrival
    answered: int  # the status the receiver answered
    body: dict[str, Any]


@dataclass
class Receiver:
    secret: str | None = None  # createWebhook's, once registered
    deliveries: list[Delivery] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why a request was not a valid delivery
    _failed_once: set[uuid.UUID] = field(default_factory=set)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.receive, methods=["POST"])])

    def fails_first(self, event_id: uuid.UUID) -> bool:
        return event_id.int % 4 == 0 and event_id not in self._failed_once

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        header = request.headers.get("x-referrals-signature", "")
        if self.secret is None or not signature_valid(self.secret, header, body, time.time()):
            self.refused.append(f"bad signature {header!r}")
            return Response(status_code=401)
        try:
            payload = json.loads(body)
            event_id = uuid.UUID(request.headers["x-referrals-event-id"])
            uuid.UUID(payload["ReferralId"])  # a UUID, or ValueError: malformed
            consistent = (
                payload["EventId"] == str(event_id)
                and payload["EventName"] in EVENT_NAMES
                and payload["ResourceName"] == "Referral"
                and request.headers["content-type"].startswith("application/json")
            )
        except (ValueError, KeyError, TypeError) as error:
            self.refused.append(f"malformed delivery: {error!r}")
            return Response(status_code=400)
        if not consistent:
            self.refused.append(f"inconsistent delivery: {payload}")
            return Response(status_code=400)
        answer = 500 if self.fails_first(event_id) else 204
        self._failed_once.add(event_id)
        delivery_id = request.headers.get("x-referrals-delivery-id", "")
        self.deliveries.append(Delivery(event_id, delivery_id, time.time(), answer, payload))
        return Response(status_code=answer)

    def delivered(self) -> dict[uuid.UUID, float]:
        """Each event delivered with a 2xx answer, and when first."""
        first: dict[uuid.UUID, float] = {}
        for delivery in self.deliveries:
            if delivery.answered < 300:
                first.setdefault(delivery.event_id, delivery.at)
        return first
