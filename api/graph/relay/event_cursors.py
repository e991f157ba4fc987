"""Event cursors: a position in the event log, opaque to clients.

The same cursor resumes `referralEvents(after:)` and pages the `events` feed, so a client may
read the feed, then subscribe from its newest edge without a gap.
"""

from __future__ import annotations

import binascii

from api.errors import BadUserInput
from api.graph.relay.ids import decode, encode

_TAG = "event"
# Positions are BIGINT; a larger number could only be forged.
_MAX_POSITION = 2**63 - 1


def to_event_cursor(position: int) -> str:
    return encode(f"{_TAG}:{position}")


def from_event_cursor(value: str, *, argument: str) -> int:
    """The log position a cursor marks, or BadUserInput naming the argument."""
    invalid = BadUserInput(f"`{argument}` is not a valid event cursor.", argument=argument)
    try:
        tag, raw = decode(value).split(":")
        position = int(raw)
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid from None
    if tag != _TAG:
        raise BadUserInput(
            f"`{argument}` is a cursor of another connection, not an event cursor.",
            argument=argument,
        )
    if not 0 <= position <= _MAX_POSITION:
        raise invalid
    return position
