"""A filter's instant as every list takes it: with a time zone offset, or BadUserInput."""

from __future__ import annotations

from datetime import datetime

from api.errors import BadUserInput


def filter_instant(value: datetime | None, name: str) -> datetime | None:
    """`value` as given; refused, naming `filter.<name>`, without an offset (a naive instant
    would be read in whatever zone the server runs in)."""
    if value is not None and value.tzinfo is None:
        raise BadUserInput(
            f"`filter.{name}` needs a time zone offset, e.g. '2026-01-31T00:00:00Z'.",
            argument=f"filter.{name}",
        )
    return value
