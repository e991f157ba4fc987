"""What the guards mean for an HTTP response: 429 and Retry-After, and the X-RateLimit-* headers.

The one place these headers are computed; the view calls it with an operation's result and
the rate-limit state its context was charged (None when it was not).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from http import HTTPStatus

from strawberry.types import ExecutionResult

from api.guards.budget import RateLimited, RateLimitState
from api.transport.refusals import retry_after


def rate_limited(result: ExecutionResult) -> RateLimited | None:
    """The rate limit's refusal of the operation, if it refused it."""
    return next((e for e in result.errors or () if isinstance(e, RateLimited)), None)


def rate_limit_headers(state: RateLimitState) -> dict[str, str]:
    """GitHub's rate limit headers."""
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Used": str(state.used),
        "X-RateLimit-Reset": str(math.ceil(state.reset_at.timestamp())),
        "X-RateLimit-Resource": "graphql",
    }


def operation_response(
    result: ExecutionResult, state: RateLimitState | None, status: int
) -> tuple[int, dict[str, str]]:
    """One operation's status and headers: X-RateLimit-* whenever the operation was charged
    (or refused), and 429 with Retry-After instead of `status` when the rate limit refused it."""
    headers = rate_limit_headers(state) if state is not None else {}
    refusal = rate_limited(result)
    if refusal is None:
        return status, headers
    return HTTPStatus.TOO_MANY_REQUESTS, headers | retry_after(refusal.retry_after)


def rate_limit_waits(results: Iterable[ExecutionResult]) -> list[float]:
    """The seconds each of a batch's members the rate limit refused must wait (the batch's
    Retry-After is the longest)."""
    return [refusal.retry_after for result in results if (refusal := rate_limited(result))]
