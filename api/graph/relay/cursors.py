"""Keyset cursors: a row's position in an ordering, tagged with the ordering that made it."""

from __future__ import annotations

import binascii
import json
import uuid
from datetime import UTC, datetime

from api.errors import BadUserInput
from api.graph.relay.ids import decode, encode
from db.paging import Position


def to_cursor(ordering: str, position: Position) -> str:
    return encode(json.dumps([ordering, position.value.isoformat(), position.id.hex]))


def from_cursor(value: str, ordering: str, *, argument: str) -> Position:
    """The position a cursor marks; it must come from a connection of the same ordering."""
    try:
        kind, when, raw = json.loads(decode(value))
        position = Position(datetime.fromisoformat(when), uuid.UUID(hex=raw))
        if position.value.tzinfo is None:
            raise ValueError("cursor time without offset")
        position.value.astimezone(UTC)  # within the calendar in UTC, as stored values are
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error):
        raise BadUserInput(f"`{argument}` is not a valid cursor.", argument=argument) from None
    if kind != ordering:
        raise BadUserInput(
            f"`{argument}` is a cursor of another ordering or connection; "
            "request the first page again with this ordering.",
            argument=argument,
        )
    return position
