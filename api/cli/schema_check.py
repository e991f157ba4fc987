"""Compare two versions of the schema the way frontends feel it: breaking, dangerous, safe."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from graphql.utilities import (
    BreakingChange,
    BreakingChangeType,
    DangerousChange,
    SafeChange,
    find_schema_changes,
)

# graphql-core's wording: "Field Referral.name was removed.", "Enum value E.X was removed."
_FIELD_REMOVED = re.compile(r"^(?:Input )?[Ff]ield (\w+)\.(\w+) was removed\.$")
_VALUE_REMOVED = re.compile(r"^Enum value (\w+)\.(\w+) was removed\.$")


@dataclass
class SchemaReport:
    breaking: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)
    safe: list[str] = field(default_factory=list)


def compare(old_sdl: str, new_sdl: str) -> SchemaReport:
    """Classify every change from `old_sdl` to `new_sdl`.

    Removing a field or enum value is breaking unless the old schema had deprecated it: the
    deprecation period is what lets frontends move off it first.
    """
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    report = SchemaReport()
    for change in find_schema_changes(old, new):
        if isinstance(change, BreakingChange):
            if _was_deprecated(old, change):
                report.dangerous.append(f"{change.description} (deprecated before)")
            else:
                report.breaking.append(change.description)
        elif isinstance(change, DangerousChange):
            report.dangerous.append(change.description)
        elif isinstance(change, SafeChange):
            report.safe.append(change.description)
    return report


def _was_deprecated(old: GraphQLSchema, change: BreakingChange) -> bool:
    if change.type is BreakingChangeType.FIELD_REMOVED:
        match = _FIELD_REMOVED.match(change.description)
        if match:
            owner = old.type_map.get(match[1])
            if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
                removed = owner.fields.get(match[2])
                return removed is not None and bool(removed.deprecation_reason)
    if change.type is BreakingChangeType.VALUE_REMOVED_FROM_ENUM:
        match = _VALUE_REMOVED.match(change.description)
        if match:
            enum = old.type_map.get(match[1])
            if isinstance(enum, GraphQLEnumType):
                value = enum.values.get(match[2])
                return value is not None and bool(value.deprecation_reason)
    return False


def committed_schema(against: str, schema_file: Path) -> str:
    """The SDL `against` names: a file path, or a git ref whose `schema.graphql` to read."""
    path = Path(against)
    if path.is_file():
        return path.read_text()
    result = subprocess.run(
        ["git", "show", f"{against}:{schema_file.as_posix()}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ValueError(f"{against!r} is neither a file nor a git ref with {schema_file}")
    return result.stdout
