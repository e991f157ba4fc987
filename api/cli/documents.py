"""Frontend operation files: validated against the schema, or cut into the safelist's documents.

Problems are located by file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    Node,
    OperationDefinitionNode,
    Source,
    parse,
    print_ast,
    validate,
)
from graphql.language import Visitor, visit

from db.persisted import document_hash


def validate_documents(schema: GraphQLSchema, paths: Iterable[Path]) -> list[str]:
    """One 'file:line:column: message' per problem, in file order."""
    problems: list[str] = []
    for path in paths:
        document = _parsed(path, problems)
        if document is None:
            continue
        problems += [_located(error, path) for error in validate(schema, document)]
    return problems


@dataclass(frozen=True, slots=True)
class PersistedDocument:
    """One operation as stored: its name, the file it came from and its exact text."""

    name: str
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        return document_hash(self.text)


def operation_documents(
    schema: GraphQLSchema, paths: Iterable[Path]
) -> tuple[list[PersistedDocument], list[str]]:
    """The operations of GraphQL files, one document per operation, and the problems found.

    As Apollo's persisted query manifest (and Relay, GraphQL Code Generator) do: each
    operation becomes a document of its own holding the fragments it uses, from any of the
    files, printed by `graphql.print_ast` with the operation first and the fragments sorted by
    name. Each document must validate against the schema. Problems are 'file:line:column:
    message'; when there is any, nothing should be stored.
    """
    problems: list[str] = []
    operations: list[tuple[OperationDefinitionNode, Path]] = []
    fragments: dict[str, tuple[FragmentDefinitionNode, Path]] = {}
    for path in dict.fromkeys(paths):  # a file named twice counts once
        document = _parsed(path, problems)
        if document is None:
            continue
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations.append((definition, path))
            elif isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                if name in fragments and print_ast(fragments[name][0]) != print_ast(definition):
                    problems.append(
                        f"{_where(definition, path)}: fragment {name} is also defined, "
                        f"differently, in {fragments[name][1]}."
                    )
                fragments.setdefault(name, (definition, path))
            else:
                problems.append(
                    f"{_where(definition, path)}: only operations and fragments may be persisted."
                )
    names: dict[str, Path] = {}
    documents: list[PersistedDocument] = []
    for operation, path in operations:
        name = operation.name.value if operation.name else "(anonymous)"
        if operation.name and name in names:
            problems.append(
                f"{_where(operation, path)}: operation {name} is also defined in {names[name]}; "
                "operation names must be unique."
            )
            continue
        names[name] = path
        used = _used_fragments(operation, {n: f for n, (f, _) in fragments.items()})
        document = DocumentNode(
            definitions=(operation, *(fragments[n][0] for n in sorted(used) if n in fragments))
        )
        errors = validate(schema, document)
        problems.extend(_located(error, path) for error in errors)
        if not errors:
            documents.append(PersistedDocument(name, path, print_ast(document)))
    return documents, problems


def _parsed(path: Path, problems: list[str]) -> DocumentNode | None:
    """A file's document, or None with the problem (unreadable, not GraphQL) noted."""
    try:
        return parse(Source(path.read_text(encoding="utf-8"), str(path)))
    except OSError as error:
        problems.append(f"{path}: cannot read: {error.strerror}")
    except GraphQLSyntaxError as error:
        problems.append(_located(error, path))
    return None


class _Spreads(Visitor):
    """Collects the names of the fragments spread in a definition."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.append(node.name.value)


def _used_fragments(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    """The names of the fragments an operation spreads, directly or through other fragments."""
    used: set[str] = set()
    pending: list[Node] = [operation]
    while pending:
        spreads = _Spreads()
        visit(pending.pop(), spreads)
        for name in spreads.names:
            if name not in used:
                used.add(name)
                if name in fragments:
                    pending.append(fragments[name])
    return used


def _where(node: Node, path: Path) -> str:
    if node.loc is None:
        return str(path)
    location = node.loc.source.get_location(node.loc.start)
    return f"{node.loc.source.name}:{location.line}:{location.column}"


def _located(error: GraphQLError, path: Path) -> str:
    """'file:line:column: message', naming the file the error's first node comes from."""
    node = error.nodes[0] if error.nodes else None
    if node is not None and node.loc is not None:
        return f"{_where(node, path)}: {error.message}"
    location = error.locations[0] if error.locations else None
    where = f"{path}:{location.line}:{location.column}" if location else str(path)
    return f"{where}: {error.message}"
