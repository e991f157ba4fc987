"""Time in seconds and the draws of one `random.Random`, so a seed fixes the data, ids included."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

# Durations are in seconds unless they are timedeltas.
HISTORY = timedelta(days=540)  # about 18 months
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WINDOW = 14 * DAY  # the API's default invitation window (Settings.invitation_window)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Draws:
    """Every value the demo draws, from one `random.Random`."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        # Whole seconds read better in the demo and still never pass `now`.
        self.now = now.replace(microsecond=0)

    def random_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def activity_id(self, occurred: datetime, counter: int) -> uuid.UUID:
        """A UUIDv7 like `db.ids.uuid7`: the time, then the referral's entry count, then random.

        Entries sharing an instant (a change and its side effects) still sort as recorded.
        """
        milliseconds = (occurred - _EPOCH) // timedelta(milliseconds=1)
        tail = self.rng.getrandbits(62)
        value = (milliseconds << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail
        return uuid.UUID(int=value)

    def digits(self, template: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else c for c in template)

    def fill(self, template: str) -> str:
        return template.format(n=self.rng.randint(2, 30), L=self.rng.choice("ABCD"))

    def free(self, used: set[int], low: int, high: int) -> int:
        # Distinct seconds per referral keep its changes strictly ordered without ties.
        while True:
            value = self.rng.randint(low, high)
            if value not in used:
                used.add(value)
                return value
