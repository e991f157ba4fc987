"""When a failed delivery is tried again: exponential back-off with full jitter, in a window.

After attempt n fails, the next waits a uniformly random time between 0 and
min(max delay, base x 2^(n-1)) ("full jitter", as AWS's architecture blog measured it: retries
of many endpoints that failed together spread out instead of arriving in waves). With the
defaults (base 10 s, cap 1 h) the ceilings are 10 s, 20 s, 40 s, ... 2,560 s, then 3,600 s;
no wait runs past the window (24 h from the event's fan-out or its redelivery): the last
retry comes at its end at the latest, and a delivery that fails after it is FAILED.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def ceiling(attempt: int, *, base: float, cap: float) -> float:
    """The longest wait after failed attempt number `attempt` (from 1), in seconds."""
    return float(min(cap, base * 2.0 ** min(attempt - 1, 62)))


def next_attempt(
    attempt: int,
    *,
    now: datetime,
    retry_until: datetime,
    base: float,
    cap: float,
    draw: random.Random | None = None,
) -> datetime | None:
    """When to try again after failed attempt `attempt`; None once the window is over (a
    wait that would end past it is cut short: the last retry comes at the window's end)."""
    if now >= retry_until:
        return None
    wait = (draw or random).uniform(0, ceiling(attempt, base=base, cap=cap))
    return min(now + timedelta(seconds=wait), retry_until)
