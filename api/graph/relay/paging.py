"""Relay's paging arguments, declared once: `@paged` gives a resolver first/after/last/before."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry

from api.errors import BadUserInput
from api.graph.relay.cursors import from_cursor
from api.settings import Settings
from db.paging import PageRequest, SortValue

R = TypeVar("R")

First = Annotated[
    int | None,
    strawberry.argument(
        description="Return the first n items after `after` (1..100; default 20). "
        "Not together with `last`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Cursor of an edge: return items after it (`endCursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Return the last n items before `before` (1..100). Not together with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Cursor of an edge: return items before it (`startCursor`)."),
]
# In the schema's order. Real objects, not strings: the resolver's module need not import them.
_ARGUMENTS = [
    inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=kind)
    for name, kind in (("first", First), ("after", After), ("last", Last), ("before", Before))
]


@dataclass(frozen=True, slots=True)
class Paging:
    """The paging arguments a connection field was given."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def request(
        self, ordering: str, settings: Settings, *, kind: type[SortValue] = datetime
    ) -> PageRequest:
        """Validate `first`/`last` (1..max_page_size, not both) and decode the cursors, whose
        sort values are of `kind`."""
        limit, from_end = self.size(settings)
        after, before = self.after, self.before
        return PageRequest(
            limit=limit,
            from_end=from_end,
            after=None
            if after is None
            else from_cursor(after, ordering, argument="after", kind=kind),
            before=None
            if before is None
            else from_cursor(before, ordering, argument="before", kind=kind),
        )

    def size(self, settings: Settings) -> tuple[int, bool]:
        """The page's size and whether it is taken from the end (`last`), once `first` and
        `last` are checked: 1..max_page_size, not both."""
        first, last, max_size = self.first, self.last, settings.max_page_size
        if first is not None and last is not None:
            raise BadUserInput("Pass either `first` or `last`, not both.", argument="first")
        for name, size in (("first", first), ("last", last)):
            if size is not None and not 1 <= size <= max_size:
                raise BadUserInput(
                    f"`{name}` must be between 1 and {max_size}, but it is {size}.", argument=name
                )
        return first or last or settings.default_page_size, last is not None


def paged(resolver: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """The resolver with Relay's four paging arguments where its `paging: Paging` parameter
    was: Strawberry reads the arguments from the signature, so the four are declared here
    once instead of in every connection field."""
    signature = inspect.signature(resolver)
    parameters = list(signature.parameters.values())
    at = [parameter.name for parameter in parameters].index("paging")

    @functools.wraps(resolver)
    async def with_paging(
        *args: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **kwargs: Any,
    ) -> R:
        return await resolver(*args, paging=Paging(first, after, last, before), **kwargs)

    with_paging.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*parameters[:at], *_ARGUMENTS, *parameters[at + 1 :]]
    )
    return with_paging
