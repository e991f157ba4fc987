"""Keyset pagination: pages that stay correct while rows are inserted around them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row, and_, or_

# What a list may be ordered by; None only for a nullable sort column, whose nulls come last.
SortValue = datetime | date | Decimal | str | None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a row sits in an ordering: its sort value, then its id to break ties."""

    value: SortValue
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`limit` rows after `after` and before `before`; from the end of that range if `from_end`."""

    limit: int
    from_end: bool = False
    after: Position | None = None
    before: Position | None = None


class PageWindow(Protocol):
    """What `to_page` reads of a request: a PageRequest, or the event feed's, whose cursors
    are positions in the log."""

    @property
    def limit(self) -> int: ...
    @property
    def from_end(self) -> bool: ...
    @property
    def after(self) -> object: ...
    @property
    def before(self) -> object: ...


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Row[Any]]
    has_next_page: bool
    has_previous_page: bool


def window_conditions(
    sort: ColumnElement[Any],
    id_: ColumnElement[uuid.UUID],
    *,
    descending: bool,
    request: PageRequest,
    nullable: bool = False,
) -> list[ColumnElement[bool]]:
    """WHERE terms that keep only rows strictly between the request's cursors.

    A `nullable` sort puts its nulls last in either direction, ordered among themselves by id.
    """
    conditions = []
    for at, forward in ((request.after, True), (request.before, False)):
        if at is None:
            continue
        if nullable:
            conditions.append(_beyond_nulls_last(sort, id_, at, descending, forward=forward))
        else:
            conditions.append(_beyond(sort, id_, at, later=descending != forward))
    return conditions


def _beyond(
    sort: ColumnElement[Any], id_: ColumnElement[uuid.UUID], at: Position, *, later: bool
) -> ColumnElement[bool]:
    # Expanded rather than a row-value comparison so both engines use the (sort, id) index.
    if later:
        return or_(sort > at.value, and_(sort == at.value, id_ > at.id))
    return or_(sort < at.value, and_(sort == at.value, id_ < at.id))


def _beyond_nulls_last(
    sort: ColumnElement[Any],
    id_: ColumnElement[uuid.UUID],
    at: Position,
    descending: bool,
    *,
    forward: bool,
) -> ColumnElement[bool]:
    """Rows past `at` in list order (`forward`) or before it, where nulls end the list."""
    # Values and ids run the same way: up for an ascending list read forward, and so on.
    up = descending != forward
    next_id = id_ > at.id if up else id_ < at.id
    if at.value is None:
        # From a null: forward only later nulls; backward every value and the earlier nulls.
        return and_(sort.is_(None), next_id) if forward else or_(sort.is_not(None), next_id)
    beyond = _beyond(sort, id_, at, later=up)
    # A comparison with NULL is unknown, never true: the nulls after a value are named outright.
    return or_(beyond, sort.is_(None)) if forward else beyond


def order_terms(
    sort: ColumnElement[Any],
    id_: ColumnElement[uuid.UUID],
    *,
    descending: bool,
    request: PageRequest,
    nullable: bool = False,
) -> list[ColumnElement[Any]]:
    """ORDER BY terms: the list's order, reversed when reading from the end.

    A `nullable` sort keeps its nulls at the list's end (first when reading from the end).
    """
    reverse = descending != request.from_end
    terms: list[ColumnElement[Any]] = (
        [sort.desc(), id_.desc()] if reverse else [sort.asc(), id_.asc()]
    )
    if nullable:
        # Spelt out on both engines: PostgreSQL puts nulls first in DESC, SQLite in ASC.
        first = sort.desc() if reverse else sort.asc()
        terms[0] = first.nulls_first() if request.from_end else first.nulls_last()
    return terms


def to_page(rows: Sequence[Row[Any]], request: PageWindow) -> Page:
    """Trim the look-ahead row fetched to tell whether more exist, and restore list order."""
    more = len(rows) > request.limit
    kept = list(rows[: request.limit])
    if request.from_end:
        kept.reverse()
        return Page(kept, has_next_page=request.before is not None, has_previous_page=more)
    return Page(kept, has_next_page=more, has_previous_page=request.after is not None)
