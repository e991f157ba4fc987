"""Keyset cursors: a row's position in an ordering, tagged with the ordering that made it."""

from __future__ import annotations

import binascii
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from api.errors import BadUserInput
from api.graph.relay.ids import decode, encode
from db.paging import Position, SortValue

# The longest text sort value a cursor may carry (names hold at most a few hundred characters).
TEXT_MAX = 1000
# The largest amount a cursor may carry: Money is NUMERIC(18, 2).
_MAX_AMOUNT = Decimal(10) ** 16


def to_cursor(ordering: str, position: Position) -> str:
    return encode(json.dumps([ordering, _dump(position.value), position.id.hex]))


def from_cursor(
    value: str, ordering: str, *, argument: str, kind: type[SortValue] = datetime
) -> Position:
    """The position a cursor marks; it must come from a connection of the same ordering.

    `kind` is the type of the ordering's sort values (a nullable ordering's cursor may
    carry null).
    """
    invalid = BadUserInput(f"`{argument}` is not a valid cursor.", argument=argument)
    try:
        tag, raw, raw_id = json.loads(decode(value))
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise invalid from None
    # The ordering first: another ordering's values are of another kind.
    if tag != ordering:
        raise BadUserInput(
            f"`{argument}` is a cursor of another ordering or connection; "
            "request the first page again with this ordering.",
            argument=argument,
        )
    try:
        return Position(_load(raw, kind), uuid.UUID(hex=raw_id))
    except (ValueError, TypeError, AttributeError, OverflowError, InvalidOperation):
        raise invalid from None


def _dump(value: SortValue) -> Any:
    # Date-times stay bare strings, so cursors issued before other orderings existed still work.
    if value is None or isinstance(value, datetime):
        return None if value is None else value.isoformat()
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return {"text": value}


def _load(raw: Any, kind: type[SortValue]) -> SortValue:
    if kind is datetime:
        when = datetime.fromisoformat(raw)
        if when.tzinfo is None:
            raise ValueError("cursor time without offset")
        when.astimezone(UTC)  # within the calendar in UTC, as stored values are
        return when
    if raw is None:
        return None
    ((tag, text),) = dict(raw).items()
    if not isinstance(text, str):
        raise TypeError("cursor value is not text")
    if kind is date and tag == "date":
        return date.fromisoformat(text)
    if kind is Decimal and tag == "decimal":
        amount = Decimal(text)
        if not amount.is_finite() or abs(amount) >= _MAX_AMOUNT:
            raise ValueError("cursor amount out of range")
        return amount
    # Stored texts hold neither NUL (PostgreSQL refuses it) nor lone surrogates (which no
    # driver can encode), nor more than a name's length: a cursor carrying one was forged.
    if kind is str and tag == "text" and len(text) <= TEXT_MAX and _storable(text):
        return text
    raise ValueError("cursor value of another kind")


def _storable(text: str) -> bool:
    return "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
