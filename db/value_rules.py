"""How a field of a draft or patch is declared: the column it fills and its check, or the
nested value it holds. `db.values` annotates each field with one of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeAlias, TypeVar

from db import validation
from db.refusals import Path


class Unset(Enum):
    """A field the caller left out, as distinct from None, which clears it."""

    UNSET = "UNSET"


UNSET = Unset.UNSET
T = TypeVar("T")
# A field's value as given: a value, None (cleared) or UNSET (left out).
Maybe: TypeAlias = T | Unset | None

# (value, field, phone region) -> the column value, or InvalidInput.
Check = Callable[[Any, Path, str | None], Any]


def none() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Fills:
    """A field that fills one column of one table (an attribute of ReferralColumns)."""

    table: str
    column: str
    check: Check
    required: bool = False  # required in a draft; a patch "cannot clear" it
    empty: Callable[[], Any] = none  # the value when left out of a draft, or cleared


@dataclass(frozen=True, slots=True)
class Section:
    """A field holding a nested value of type `of`."""

    of: type
    required: bool = False


def plain(check: validation.Check) -> Check:
    """A check that does not depend on the phone region."""
    return lambda value, field, _region: check(value, field)


def text_field(
    table: str, column: str, limit: int, *, required: bool = False, multiline: bool = False
) -> Fills:
    check = plain(validation.text_check(limit, required=required, multiline=multiline))
    return Fills(table, column, check, required=required)
