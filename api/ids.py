"""Opaque identifiers: Relay global IDs and pagination cursors."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from api.errors import BadUserInput
from db.paging import Position

NODE_TYPES = ("Referral", "CustomerProfile", "Participant", "User", "Activity")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode()


def to_global_id(type_name: str, pk: uuid.UUID) -> str:
    return _encode(f"{type_name}:{pk.hex}")


def from_global_id(value: str, *, argument: str = "id") -> tuple[str, uuid.UUID]:
    """(type name, primary key) of a global ID, or BadUserInput naming the argument."""
    try:
        type_name, _, raw = _decode(value).partition(":")
        pk = uuid.UUID(hex=raw)
    except (ValueError, UnicodeError, binascii.Error):
        raise BadUserInput(
            f"`{argument}` is not a valid ID: {value[:60]!r}.", argument=argument
        ) from None
    if type_name not in NODE_TYPES:
        raise BadUserInput(f"`{argument}` is not a valid ID: {value[:60]!r}.", argument=argument)
    return type_name, pk


def expect_global_id(value: str, type_name: str, *, argument: str = "id") -> uuid.UUID:
    """The primary key of a global ID that must name a `type_name`."""
    actual, pk = from_global_id(value, argument=argument)
    if actual != type_name:
        raise BadUserInput(
            f"`{argument}` must be the ID of a {type_name}, but it is the ID of a {actual}.",
            argument=argument,
        )
    return pk


def to_cursor(ordering: str, position: Position) -> str:
    return _encode(json.dumps([ordering, position.value.isoformat(), position.id.hex]))


def from_cursor(value: str, ordering: str, *, argument: str) -> Position:
    """The position a cursor marks; it must come from a connection of the same ordering."""
    try:
        kind, when, raw = json.loads(_decode(value))
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
