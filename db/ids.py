"""Time-ordered UUIDs (RFC 9562 version 7) for rows whose ids also order them."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0  # the last (milliseconds << 12 | counter) handed out by this process


def uuid7() -> uuid.UUID:
    """A UUIDv7: Unix milliseconds, then a counter, then random bits.

    Ids made by one process strictly increase, so rows stamped at the same instant still
    sort in the order they were made.
    """
    global _last
    with _lock:
        stamp = max(time.time_ns() // 1_000_000 << 12, _last + 1)
        _last = stamp
    milliseconds, counter = stamp >> 12, stamp & 0xFFF
    tail = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (milliseconds << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail
    return uuid.UUID(int=value)
