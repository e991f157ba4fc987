"""The rate limit's points in Redis (REDIS_URL): one Lua script, one round trip, per charge.

Each organization's window is a hash (`used`, `reset` in milliseconds since the epoch) that
the script reads, charges if the cost fits, and writes back atomically: Redis runs one script
at a time, so charges from every worker are ordered and the window admits exactly what fits.
A refusal writes nothing. The key expires a second after its window ends, so Redis holds only
the windows in progress. EVAL (not EVALSHA) sends the script each time: always one round
trip, even after Redis restarts and forgets its script cache; Redis caches the compiled
script by its hash either way.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.guards.budget import RateLimitState, RateLimitUnavailable

UNAVAILABLE = "The rate limit service is unavailable; retry shortly."
# How long a charge waits for Redis before the operation is refused as an outage: Redis
# answers in well under a millisecond, so seconds mean it is gone, not busy.
TIMEOUT_SECONDS = 2.0
KEY_PREFIX = "referrals:ratelimit:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

# KEYS[1]: the organization's window. ARGV: now (ms), cost, limit, window length (ms), dry
# run ("1" or "0"). Returns {used, reset (ms), admitted (1 or 0)}.
CHARGE = """
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = redis.call('HMGET', KEYS[1], 'used', 'reset')
local used = tonumber(window[1])
local reset = tonumber(window[2])
local started = false
if used == nil or reset == nil or reset <= now then
  used = 0
  reset = now + tonumber(ARGV[4])
  started = true
end
local admitted = used + cost <= limit
if ARGV[5] == '0' and (admitted or started) then
  if admitted then
    used = used + cost
  end
  redis.call('HSET', KEYS[1], 'used', used, 'reset', reset)
  if started then
    redis.call('PEXPIRE', KEYS[1], reset - now + 1000)
  end
end
return {used, reset, admitted and 1 or 0}
"""


def _milliseconds(instant: datetime) -> int:
    return (instant - _EPOCH) // _MS


class RedisRateLimitStore:
    """Fixed windows per organization in Redis, shared by every worker that uses its URL."""

    def __init__(self, url: str, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self.client = Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            # One retry, on a connection error only: a pooled connection that Redis dropped
            # (a restart) fails before the script runs, so retrying it cannot charge twice; a
            # timeout may come after the script ran, so it is not retried.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )

    async def charge(
        self, organization_id: uuid.UUID, cost: int, *, now: datetime, dry_run: bool = False
    ) -> RateLimitState:
        arguments = (
            _milliseconds(now),
            cost,
            self.limit,
            self.window // _MS,
            1 if dry_run else 0,
        )
        try:
            reply = await self.client.eval(CHARGE, 1, f"{KEY_PREFIX}{organization_id}", *arguments)
        except (
            RedisConnectionError,
            RedisTimeoutError,
            ReadOnlyError,
            OutOfMemoryError,
            OSError,
        ) as error:
            # Down, unreachable, refusing our credentials, loading its data, a replica after a
            # failover, or full (maxmemory): a retry may succeed once someone fixes it.
            raise RateLimitUnavailable(UNAVAILABLE) from error
        used, reset, admitted = (int(value) for value in reply)
        return RateLimitState(cost, self.limit, used, _EPOCH + reset * _MS, admitted == 1)

    async def close(self) -> None:
        await self.client.aclose()
