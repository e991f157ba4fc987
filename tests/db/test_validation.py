"""Single-value checks: text, idempotency keys, and how InvalidInput reports its problems."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from db.refusals import FieldError, InvalidInput
from db.validation import idempotency_key, text

SINGLE_LINE = "must be a single line without control characters"
MULTILINE = "must not contain control characters other than line breaks"


# --- InvalidInput


def test_invalid_input_needs_errors() -> None:
    with pytest.raises(ValueError, match="at least one"):
        InvalidInput([])


def test_invalid_input_reads_well_and_pickles() -> None:
    error = InvalidInput([FieldError(("a", "b"), "is required"), FieldError((), "is wrong")])
    assert str(error) == "a.b is required; (input) is wrong"
    assert pickle.loads(pickle.dumps(error)).errors == error.errors


# --- text()


@pytest.mark.parametrize(
    ("value", "limit", "required", "multiline", "expected"),
    [
        ("  hi \n", 2, True, False, "hi"),
        ("abc", 3, True, False, "abc"),
        ("   ", 3, False, False, None),
        (None, 3, False, False, None),
        ("a\r\n\tb", 10, True, True, "a\r\n\tb"),
    ],
)
def test_text_accepts(
    value: Any, limit: int, required: bool, multiline: bool, expected: str | None
) -> None:
    assert text(value, ("f",), limit=limit, required=required, multiline=multiline) == expected


@pytest.mark.parametrize(
    ("value", "limit", "required", "multiline", "message"),
    [
        ("abcd", 3, True, False, "must be at most 3 characters"),
        ("abcd", 3, False, True, "must be at most 3 characters"),
        (None, 3, True, False, "is required"),
        (" ", 3, True, True, "must not be blank"),
        ("a\tb", 10, True, False, SINGLE_LINE),
        ("a\x00b", 10, False, True, MULTILINE),
        ("a\x1bb", 10, False, True, MULTILINE),
        ("a\x85b", 10, False, True, MULTILINE),
        ("a\udc00", 10, False, True, "must be valid Unicode text"),
        (b"bytes", 10, False, False, "must be text"),
    ],
)
def test_text_refuses(
    value: Any, limit: int, required: bool, multiline: bool, message: str
) -> None:
    field = ("status_reason",)
    with pytest.raises(InvalidInput) as raised:
        text(value, field, limit=limit, required=required, multiline=multiline)
    assert raised.value.errors == [FieldError(field, message)]


# --- idempotency_key()


@pytest.mark.parametrize("key", ["a", "abc-123_XYZ:~!{}", "k" * 200])
def test_idempotency_key_accepts(key: str) -> None:
    assert idempotency_key(key) == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "is required"),
        (5, "must be text"),
        ("", "must not be empty"),
        ("k" * 201, "must be at most 200 characters"),
        ("a b", "must contain only printable ASCII characters, without spaces"),
        (" a", "must contain only printable ASCII characters, without spaces"),
        ("clé", "must contain only printable ASCII characters, without spaces"),
        ("a\x00", "must contain only printable ASCII characters, without spaces"),
        ("a\x7f", "must contain only printable ASCII characters, without spaces"),
    ],
)
def test_idempotency_key_refuses(key: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        idempotency_key(key)
    assert raised.value.errors == [FieldError(("idempotency_key",), message)]
