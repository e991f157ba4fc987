"""Global IDs: opaque names of a row, or of a row as one participant sees it (a view)."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from api.errors import BadUserInput


@dataclass(frozen=True, slots=True)
class GlobalId:
    """A decoded global ID: the type, the row's key and, for a view, the participant's key."""

    type_name: str
    pk: uuid.UUID
    viewpoint: uuid.UUID | None = None


_b2a = binascii.b2a_base64
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def encode(text: str) -> str:
    """Opaque text for clients: URL-safe base64 without padding (IDs and cursors alike)."""
    # base64.urlsafe_b64encode's own steps, without its two Python calls.
    return _b2a(text.encode(), newline=False).translate(_URL_SAFE).rstrip(b"=").decode()


def decode(value: str) -> str:
    """The text `encode` made; ValueError, UnicodeError or binascii.Error otherwise."""
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode()


class GlobalIdEncoder(Protocol):
    def __call__(self, pk: uuid.UUID, viewpoint: uuid.UUID | None = None) -> str: ...


def to_global_id(type_name: str, pk: uuid.UUID, *, viewpoint: uuid.UUID | None = None) -> str:
    """The global ID of a row, or with `viewpoint` of the row as that participant sees it:
    `encode` of "<type>:<hex>" or "<type>:<hex>:<viewpoint hex>"."""
    return global_id_encoder(type_name)(pk, viewpoint)


@cache
def global_id_encoder(type_name: str) -> GlobalIdEncoder:
    """`to_global_id` for one type, the same text for less work (a page makes ~1,400 IDs).

    Base64 turns every 3 bytes into 4 characters whatever follows, so the first
    `len // 3 * 3` bytes of "<type>:" always encode alike: they are encoded here, once. Per
    ID, the rest is: the prefix's last byte or two, then the keys' hex digits, formatted as
    bytes straight from the UUIDs' integers. Every byte of a GraphQL name, ':' and hex digits
    is below 0x7b and none is '>' (0x3e) or '?' (0x3f), so no 6-bit group of base64 reaches
    62 or 63: '+' and '/' never appear and need no URL-safe translation.
    """
    prefix = f"{type_name}:".encode()
    if _GRAPHQL_NAME.fullmatch(type_name) is None:  # not a GraphQL type: the plain way

        def encoded(pk: uuid.UUID, viewpoint: uuid.UUID | None = None) -> str:
            if viewpoint is None:
                return encode(f"{type_name}:{pk.hex}")
            return encode(f"{type_name}:{pk.hex}:{viewpoint.hex}")

        return encoded
    aligned = len(prefix) // 3 * 3
    head = base64.urlsafe_b64encode(prefix[:aligned]).decode()
    rest = prefix[aligned:]
    row, view = rest + b"%032x", rest + b"%032x:%032x"

    # b2a_base64's newline is stripped with the padding: a keyword argument costs more.
    def fast(pk: uuid.UUID, viewpoint: uuid.UUID | None = None) -> str:
        if viewpoint is None:
            return head + _b2a(row % pk.int).rstrip(b"=\n").decode()
        return head + _b2a(view % (pk.int, viewpoint.int)).rstrip(b"=\n").decode()

    return fast


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
