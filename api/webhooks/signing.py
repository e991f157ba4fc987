"""What a delivery sends: Partner Center's webhook body, our headers, and its signature.

`X-Referrals-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
as Stripe signs: the timestamp is signed with the body, so a receiver that refuses old
timestamps refuses replays too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

from db.webhooks.models import WebhookEventName

SIGNATURE_HEADER = "X-Referrals-Signature"
EVENT_ID_HEADER = "X-Referrals-Event-Id"
DELIVERY_ID_HEADER = "X-Referrals-Delivery-Id"


def body(
    *,
    event_name: WebhookEventName,
    event_id: uuid.UUID,
    referral_id: uuid.UUID,
    occurred_date: datetime,
    base_url: str,
) -> bytes:
    """The JSON body: Partner Center's fields plus our event and referral IDs."""
    resource = f"{base_url}/referrals/{referral_id}"
    document = {
        "EventName": event_name.value,
        "ResourceUri": resource,
        "ResourceName": "Referral",
        "AuditUri": f"{resource}/events/{event_id}",
        "ResourceChangeUtcDate": occurred_date.astimezone(UTC).isoformat(),
        "EventId": str(event_id),
        "ReferralId": str(referral_id),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The signature header's value for a body sent at `timestamp` (Unix seconds)."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, payload: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Whether a signature header is ours for this body and at most `tolerance` seconds old:
    what a receiver does (the README's snippet is this function)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, payload).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
