"""Global IDs: opaque names of a row, or of a row as one participant sees it (a view)."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from api.errors import BadUserInput


@dataclass(frozen=True, slots=True)
class GlobalId:
    """A decoded global ID: the type, the row's key and, for a view, the participant's key."""

    type_name: str
    pk: uuid.UUID
    viewpoint: uuid.UUID | None = None


def encode(text: str) -> str:
    """Opaque text for clients: URL-safe base64 without padding (IDs and cursors alike)."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(value: str) -> str:
    """The text `encode` made; ValueError, UnicodeError or binascii.Error otherwise."""
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode()


def to_global_id(type_name: str, pk: uuid.UUID, *, viewpoint: uuid.UUID | None = None) -> str:
    """The global ID of a row, or with `viewpoint` of the row as that participant sees it."""
    if viewpoint is None:
        return encode(f"{type_name}:{pk.hex}")
    return encode(f"{type_name}:{pk.hex}:{viewpoint.hex}")


def parse_global_id(value: str, *, argument: str) -> GlobalId:
    """The parts of a global ID, or BadUserInput naming the argument.

    Only the shape is checked here; which type names exist, and which have views, is the
    node registry's to say (`api.graph.nodes`).
    """
    try:
        type_name, *keys = decode(value).split(":")
        if not 1 <= len(keys) <= 2:
            raise ValueError("an ID holds a key and at most one viewpoint")
        pk, *viewpoint = (uuid.UUID(hex=key) for key in keys)
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_id(value, argument) from None
    return GlobalId(type_name, pk, viewpoint[0] if viewpoint else None)


def invalid_id(value: str, argument: str) -> BadUserInput:
    return BadUserInput(f"`{argument}` is not a valid ID: {value[:60]!r}.", argument=argument)
