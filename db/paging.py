"""Keyset pagination: pages that stay correct while rows are inserted around them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Row, and_, or_

# What a list sorts by: an instant (referrals, activities) or text (organizations by name).
SortValue: TypeAlias = datetime | str


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
) -> list[ColumnElement[bool]]:
    """WHERE terms that keep only rows strictly between the request's cursors."""
    conditions = []
    if request.after is not None:
        conditions.append(_beyond(sort, id_, request.after, later=not descending))
    if request.before is not None:
        conditions.append(_beyond(sort, id_, request.before, later=descending))
    return conditions


def _beyond(
    sort: ColumnElement[Any], id_: ColumnElement[uuid.UUID], at: Position, *, later: bool
) -> ColumnElement[bool]:
    # Expanded rather than a row-value comparison so both engines use the (sort, id) index.
    if later:
        return or_(sort > at.value, and_(sort == at.value, id_ > at.id))
    return or_(sort < at.value, and_(sort == at.value, id_ < at.id))


def order_terms(
    sort: ColumnElement[Any],
    id_: ColumnElement[uuid.UUID],
    *,
    descending: bool,
    request: PageRequest,
) -> list[ColumnElement[Any]]:
    """ORDER BY terms: the list's order, reversed when reading from the end."""
    reverse = descending != request.from_end
    return [sort.desc(), id_.desc()] if reverse else [sort.asc(), id_.asc()]


def to_page(rows: Sequence[Row[Any]], request: PageRequest) -> Page:
    """Trim the look-ahead row fetched to tell whether more exist, and restore list order."""
    more = len(rows) > request.limit
    kept = list(rows[: request.limit])
    if request.from_end:
        kept.reverse()
        return Page(kept, has_next_page=request.before is not None, has_previous_page=more)
    return Page(kept, has_next_page=more, has_previous_page=request.after is not None)
