"""Keyset cursors: a row's position in an ordering, tagged with the ordering that made it."""

from __future__ import annotations

import binascii
import json
import uuid
from datetime import UTC, datetime

from api.errors import BadUserInput
from api.graph.relay.ids import decode, encode
from db.paging import Position

# The longest text sort value a cursor may carry (organization names hold 200 characters).
TEXT_MAX = 1000


def to_cursor(ordering: str, position: Position) -> str:
    value = position.value
    shown = value.isoformat() if isinstance(value, datetime) else value
    return encode(json.dumps([ordering, shown, position.id.hex]))


def from_cursor(value: str, ordering: str, argument: str, *, text: bool = False) -> Position:
    """The position a cursor marks; it must come from a connection of the same ordering.

    `text`: the ordering sorts by text (a name), not by an instant.
    """
    try:
        kind, sort, raw = json.loads(decode(value))
        key = uuid.UUID(hex=raw)
    # AttributeError: a key that is no string (uuid calls its `replace`).
    except (ValueError, TypeError, AttributeError, UnicodeError, binascii.Error):
        raise BadUserInput(f"`{argument}` is not a valid cursor.", argument=argument) from None
    if kind != ordering:
        raise BadUserInput(
            f"`{argument}` is a cursor of another ordering or connection; "
            "request the first page again with this ordering.",
            argument=argument,
        )
    try:
        return Position(_text(sort) if text else _instant(sort), key)
    except (ValueError, TypeError, OverflowError):
        raise BadUserInput(f"`{argument}` is not a valid cursor.", argument=argument) from None


def _instant(sort: str) -> datetime:
    when = datetime.fromisoformat(sort)
    if when.tzinfo is None:
        raise ValueError("cursor time without offset")
    when.astimezone(UTC)  # within the calendar in UTC, as stored values are
    return when


def _text(sort: object) -> str:
    # Stored names hold neither NUL (PostgreSQL refuses it) nor lone surrogates (which no
    # driver can encode): a cursor carrying one was forged, not issued.
    if not isinstance(sort, str) or len(sort) > TEXT_MAX:
        raise ValueError("cursor text of another kind")
    if "\x00" in sort or any("\ud800" <= c <= "\udfff" for c in sort):
        raise ValueError("cursor text that no stored value holds")
    return sort
