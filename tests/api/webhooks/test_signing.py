"""Signatures a receiver can verify, and the retry schedule's delays."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.webhooks import schedule, secrets, signing
from db.webhooks.models import WebhookEventName

SECRET = "whsec_test"


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"EventName":"referral-created"}'
    header = signing.signature(SECRET, 1_700_000_000, body)
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signing.verify(SECRET, header, body, now=1_700_000_100)
    assert not signing.verify(SECRET, header, body + b" ", now=1_700_000_100)  # body changed
    assert not signing.verify("whsec_other", header, body, now=1_700_000_100)
    assert not signing.verify(SECRET, header, body, now=1_700_000_000 + 301)  # a replay
    assert not signing.verify(SECRET, "v1=abc", body, now=1_700_000_000)


def test_the_body_has_partner_centers_fields_and_our_ids() -> None:
    event_id, referral_id = uuid.uuid4(), uuid.uuid4()
    occurred = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    body = signing.body(
        event_name=WebhookEventName.REFERRAL_UPDATED,
        event_id=event_id,
        referral_id=referral_id,
        occurred_date=occurred,
        base_url="https://api.example",
    )
    assert json.loads(body) == {
        "EventName": "referral-updated",
        "ResourceUri": f"https://api.example/referrals/{referral_id}",
        "ResourceName": "Referral",
        "AuditUri": f"https://api.example/referrals/{referral_id}/events/{event_id}",
        "ResourceChangeUtcDate": "2026-11-24T12:00:00+00:00",
        "EventId": str(event_id),
        "ReferralId": str(referral_id),
    }


def test_secrets_are_sealed_and_unsealed_with_the_key() -> None:
    secret = secrets.new_secret()
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    sealed = secrets.seal(secret, "k" * 32)
    assert secret not in sealed
    assert secrets.unseal(sealed, "k" * 32) == secret


def test_back_off_ceilings_double_up_to_the_cap() -> None:
    ceilings = [schedule.ceiling(n, base=10, cap=3600) for n in range(1, 12)]
    assert ceilings == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]


def test_each_wait_is_drawn_within_its_ceiling_and_the_window() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    until = now + timedelta(hours=24)
    draw = random.Random(13)
    for attempt in range(1, 20):
        at = schedule.next_attempt(
            attempt, now=now, retry_until=until, base=10, cap=3600, draw=draw
        )
        assert at is not None
        assert now <= at <= now + timedelta(seconds=schedule.ceiling(attempt, base=10, cap=3600))
    # Near the window's end the wait is cut to it; past it there is no retry.
    late = until - timedelta(seconds=1)
    at = schedule.next_attempt(9, now=late, retry_until=until, base=10, cap=3600, draw=draw)
    assert at is not None
    assert late <= at <= until
    assert schedule.next_attempt(1, now=until, retry_until=until, base=10, cap=3600) is None


def test_the_readmes_verification_snippet_accepts_our_signature() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    snippet = next(
        block.split("\n", 1)[1]
        for block in readme.split("```")
        if block.startswith("python") and "def verify(" in block
    )
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    body = b'{"EventName":"referral-created"}'
    header = signing.signature(SECRET, int(time.time()), body)
    assert namespace["verify"](SECRET, header, body)
    assert not namespace["verify"](SECRET, header, body + b"x")
    assert not namespace["verify"]("whsec_other", header, body)
