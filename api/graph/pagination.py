"""Relay connection arguments turned into a keyset page request, with clear refusals."""

from __future__ import annotations

from api.errors import BadUserInput
from api.graph.ids import from_cursor
from db.paging import PageRequest


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    ordering: str,
    default_size: int,
    max_size: int,
) -> PageRequest:
    """Validate `first`/`last` (1..max_size, not both) and decode the cursors."""
    if first is not None and last is not None:
        raise BadUserInput("Pass either `first` or `last`, not both.", argument="first")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 1 <= size <= max_size:
            raise BadUserInput(
                f"`{name}` must be between 1 and {max_size}, but it is {size}.", argument=name
            )
    return PageRequest(
        limit=first or last or default_size,
        from_end=last is not None,
        after=None if after is None else from_cursor(after, ordering, argument="after"),
        before=None if before is None else from_cursor(before, ordering, argument="before"),
    )
