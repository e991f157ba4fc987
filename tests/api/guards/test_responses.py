"""The guards' part of an HTTP response: 429 with Retry-After, and the X-RateLimit-* headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry.types import ExecutionResult

from api.guards.budget import RateLimited, RateLimitState
from api.guards.responses import operation_response, rate_limit_waits, rate_limited

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
RESET = NOW + timedelta(seconds=1.2)
HEADERS = {
    "X-RateLimit-Limit": "10",
    "X-RateLimit-Remaining": "1",
    "X-RateLimit-Used": "9",
    "X-RateLimit-Reset": str(int(RESET.timestamp()) + 1),
    "X-RateLimit-Resource": "graphql",
}


def _state(*, allowed: bool) -> RateLimitState:
    return RateLimitState(cost=2, limit=10, used=9, reset_at=RESET, allowed=allowed)


def test_a_charged_operation_keeps_its_status_and_shows_the_rate_limit() -> None:
    result = ExecutionResult(data={"a": 1}, errors=None)
    assert operation_response(result, _state(allowed=True), 200) == (200, HEADERS)
    assert operation_response(result, None, 400) == (400, {})  # not charged: no headers


def test_a_refused_operation_is_429_with_retry_after_rounded_up() -> None:
    refusal = RateLimited(_state(allowed=False), NOW)
    assert refusal.extensions == {"code": "RATE_LIMITED", "retryAfter": 1}
    result = ExecutionResult(data=None, errors=[refusal])
    assert rate_limited(result) is refusal
    status, headers = operation_response(result, refusal.state, 400)
    assert status == 429
    assert headers == HEADERS | {"Retry-After": "2"}  # 1.2 s: the header never says too soon


def test_a_batch_waits_for_its_longest_refusal() -> None:
    later = RateLimitState(
        cost=2, limit=10, used=9, reset_at=NOW + timedelta(seconds=30), allowed=False
    )
    results = [
        ExecutionResult(data=None, errors=[RateLimited(_state(allowed=False), NOW)]),
        ExecutionResult(data={"a": 1}, errors=None),
        ExecutionResult(data=None, errors=[RateLimited(later, NOW)]),
    ]
    assert rate_limit_waits(results) == [1.2, 30.0]
    assert rate_limit_waits(results[1:2]) == []
