"""Frontend operation documents checked against the schema, problems located by file and line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, parse, validate


def validate_documents(schema: strawberry.Schema, paths: Iterable[Path]) -> list[str]:
    """One 'file:line:column: message' per problem, in file order."""
    problems: list[str] = []
    for path in paths:
        try:
            document = parse(path.read_text(), no_location=False)
        except OSError as error:
            problems.append(f"{path}: cannot read: {error.strerror}")
            continue
        except GraphQLSyntaxError as error:
            problems.append(_located(path, error))
            continue
        problems += [_located(path, error) for error in validate(schema._schema, document)]
    return problems


def _located(path: Path, error: GraphQLError) -> str:
    location = error.locations[0] if error.locations else None
    where = f"{path}:{location.line}:{location.column}" if location else str(path)
    return f"{where}: {error.message}"
