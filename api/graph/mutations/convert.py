"""From mutation inputs to what `db.writes` takes: global IDs to keys, inputs to plain data."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from api.errors import BadUserInput
from api.graph.mutations.user_errors import field_name, input_path
from api.graph.nodes import expect_global_id
from db.refusals import Path, RefusalCode, Refused


def pk(value: str, type_name: str, field: Path) -> uuid.UUID:
    """A global ID's key; a malformed or foreign-typed ID refuses the write at its input path
    (`("user_ids", "2")` for a list's third item, as every userError's `field` names items)."""
    try:
        return expect_global_id(value, type_name, argument=field_name(input_path(field)))
    except BadUserInput as error:
        raise Refused(RefusalCode.INVALID_INPUT, error.message, field=field) from None


def named(value: str, type_name: str) -> uuid.UUID | None:
    """The key of a well-formed ID of `type_name`, to read the payload by; else None."""
    try:
        return expect_global_id(value, type_name)
    except BadUserInput:
        return None


def organization_pk(value: str, field: Path) -> uuid.UUID:
    """An organization's ID (a plain UUID, as `Participant.organizationId` gives it)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refused(
            RefusalCode.INVALID_INPUT,
            f"`{field_name(input_path(field))}` is not an organization ID.",
            field=field,
        ) from None


def to_data(value: Any) -> Any:
    """An input as plain nested data keyed by GraphQL names, leaving out absent (UNSET) fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel_case(item.name): to_data(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if getattr(value, item.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [to_data(item) for item in value]
    return value
