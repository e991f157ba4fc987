"""Opaque identifiers: Relay global IDs and pagination cursors."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from api.errors import BadUserInput
from db.paging import Position

NODE_TYPES = ("Referral", "CustomerProfile", "Participant", "User", "Activity")
# Types whose objects differ by viewpoint: a participant's `referralView` and its customer
# profile carry IDs of their own, so a normalized cache never merges them with the viewer's.
VIEW_TYPES = ("Referral", "CustomerProfile")


@dataclass(frozen=True, slots=True)
class GlobalId:
    """A decoded global ID: the type, the row's key and, for a view, the participant's key."""

    type_name: str
    pk: uuid.UUID
    viewpoint: uuid.UUID | None = None


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode()


def to_global_id(type_name: str, pk: uuid.UUID, *, viewpoint: uuid.UUID | None = None) -> str:
    """The global ID of a row, or with `viewpoint` of the row as that participant sees it."""
    if viewpoint is None:
        return _encode(f"{type_name}:{pk.hex}")
    return _encode(f"{type_name}:{pk.hex}:{viewpoint.hex}")


def decode_global_id(value: str, *, argument: str = "id") -> GlobalId:
    """A global ID of any kind, or BadUserInput naming the argument."""
    invalid = BadUserInput(f"`{argument}` is not a valid ID: {value[:60]!r}.", argument=argument)
    try:
        type_name, *keys = _decode(value).split(":")
        if not 1 <= len(keys) <= 2:
            raise ValueError("an ID holds a key and at most one viewpoint")
        pk, *viewpoint = (uuid.UUID(hex=key) for key in keys)
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid from None
    if type_name not in (VIEW_TYPES if viewpoint else NODE_TYPES):
        raise invalid
    return GlobalId(type_name, pk, viewpoint[0] if viewpoint else None)


def expect_node_id(value: str, type_name: str, *, argument: str = "id") -> GlobalId:
    """A global ID that must name a `type_name`, or a participant's view of one."""
    found = decode_global_id(value, argument=argument)
    if found.type_name != type_name:
        raise BadUserInput(
            f"`{argument}` must be the ID of a {type_name}, but it is the ID of a "
            f"{found.type_name}.",
            argument=argument,
        )
    return found


def expect_global_id(value: str, type_name: str, *, argument: str = "id") -> uuid.UUID:
    """The primary key of a global ID that must name a `type_name` itself, not a view of one."""
    found = expect_node_id(value, type_name, argument=argument)
    if found.viewpoint is not None:
        raise BadUserInput(
            f"`{argument}` is the ID of a participant's view of a {type_name} "
            f"(`Participant.referralView`), which is read-only: pass the {type_name}'s own ID.",
            argument=argument,
        )
    return found.pk


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
