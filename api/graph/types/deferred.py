"""Fields computed when first read: values a selection leaves out are never made.

A 100-referral page builds some 1,100 objects from rows, and their global IDs and UUID texts
were the dearer part of that (about 1 µs each); the list screen reads few of them (users'
and participants' IDs not at all). A deferred field is declared as any other (the schema
does not change) and `defer` gives its class a descriptor that computes it from the object's
other attributes on first read and keeps it on the object. The executor and Strawberry read
fields with getattr, so a read looks alike either way.

Only objects built without the field (`from_row`'s, see `blank`) defer it: one built by the
dataclass `__init__` holds every field already, and its own value hides the descriptor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

blank = object.__new__  # an object of a class, with no attribute set: `from_row` sets them


class Deferred(Generic[T]):
    """The value of field `name`, computed by `compute` when first read, then kept."""

    __slots__ = ("compute", "name")

    def __init__(self, name: str, compute: Callable[[T], object]) -> None:
        self.name = name
        self.compute = compute

    def __get__(self, obj: T | None, owner: type[T] | None = None) -> Any:
        if obj is None:
            return self
        value = self.compute(obj)
        # No __set__: once in the object's __dict__, the value is read without this call.
        obj.__dict__[self.name] = value
        return value


def defer(cls: type[T], **computes: Callable[[T], object]) -> None:
    """Compute these fields of `cls` (a Strawberry type, already decorated) on first read."""
    fields = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for name, compute in computes.items():
        # The dataclass removed the field's class attribute: nothing else answers the name.
        if name not in fields or name in vars(cls):
            raise TypeError(f"{cls.__name__}.{name} is not a field to defer")
        setattr(cls, name, Deferred(name, compute))
