"""Search text as every list takes it: trimmed, bounded, plain text, or BadUserInput."""

from __future__ import annotations

import unicodedata

from api.errors import BadUserInput

SEARCH_MAX_LENGTH = 200


def search_term(value: str | None, *, argument: str) -> str | None:
    """The text to search for, None when blank; refused, naming `argument`, when too long
    or not plain text."""
    search = (value or "").strip() or None
    if search is not None and len(search) > SEARCH_MAX_LENGTH:
        raise BadUserInput(
            f"`{argument}` must be at most {SEARCH_MAX_LENGTH} characters.", argument=argument
        )
    if search is not None and any(unicodedata.category(c) in ("Cc", "Cs") for c in search):
        # PostgreSQL refuses NUL bytes and lone surrogates cannot be encoded: say so here.
        raise BadUserInput(
            f"`{argument}` must be plain text without control characters.", argument=argument
        )
    return search
