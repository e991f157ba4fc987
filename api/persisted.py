"""Persisted operations: Apollo's automatic persisted queries (APQ) and a production safelist.

A request names its document by `extensions.persistedQuery = {"version": 1, "sha256Hash":
"<hex>"}`, with or without the `query`:

- hash only: the stored document runs; an unknown hash answers `PersistedQueryNotFound`
  (HTTP 200, as Apollo Client expects before it retries with the document);
- hash and query: the hash must be the sha256 of the query; the document is stored (shared by
  every worker through the database) and runs.

With `persisted_queries_only` only documents loaded by `referrals persisted load` run: raw
queries and registrations of new documents are refused. Found documents are kept in a bounded
LRU in the worker's memory, so a hot hash costs no SQL statement after its first use.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
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
from strawberry.http import GraphQLRequestData
from strawberry.schema.base import BaseSchema

from api import http
from api.context import Context
from api.settings import Settings
from db import persisted as store

SUPPORTED_VERSION = 1
CACHE_ENTRIES = 2_000  # documents kept per worker ...
CACHE_CHARACTERS = 16 * 1024 * 1024  # ... and their total length
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
REQUIRED = "PERSISTED_QUERY_REQUIRED"
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
# Stands in for the missing `query` while http.request_data checks a hash-only request's
# other parameters; the document itself is looked up after authentication.
_HASH_ONLY_PLACEHOLDER = "{ __typename }"


class PersistedQueryError(http.HTTPError):
    """A persisted-query refusal, answered like any HTTP-level refusal."""


def persisted_hash(extensions: Mapping[str, Any] | None, *, where: str = "") -> str | None:
    """The sha256 an operation's `extensions.persistedQuery` names (lowercase), if any."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise PersistedQueryError(
            400,
            f'{where}`extensions.persistedQuery` must be an object like {{"version": 1, '
            '"sha256Hash": "<hex>"}.',
        )
    version = persisted.get("version")
    if isinstance(version, bool) or version != SUPPORTED_VERSION:
        raise PersistedQueryError(
            400,
            f"{where}Unsupported persisted query version {version!r}: this server supports "
            f"version {SUPPORTED_VERSION} (`sha256Hash`).",
            code="PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
        raise PersistedQueryError(
            400,
            f"{where}`extensions.persistedQuery.sha256Hash` must be the 64 hex digits of the "
            "sha256 of the document.",
        )
    return sha256.lower()


def request_data(params: Mapping[str, Any], *, where: str = "") -> GraphQLRequestData:
    """http.request_data, except that an operation naming a persisted query may leave out its
    `query` (its GraphQLRequestData then has `query=None` until `PersistedOperations.resolve`).
    """
    extensions = params.get("extensions")
    sha256 = persisted_hash(extensions, where=where) if isinstance(extensions, dict) else None
    query = params.get("query")
    if sha256 is not None and (query is None or query == ""):
        checked = http.request_data({**params, "query": _HASH_ONLY_PLACEHOLDER}, where=where)
        return dataclasses.replace(checked, query=None)
    return http.request_data(params, where=where)


class DocumentCache:
    """A bounded LRU of documents by hash: at most `entries` documents of `characters` total."""

    def __init__(self, entries: int = CACHE_ENTRIES, characters: int = CACHE_CHARACTERS) -> None:
        self.entries = entries
        self.characters = characters
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: str) -> None:
        if len(document) > self.characters or sha256 in self._documents:
            return
        self._documents[sha256] = document
        self._size += len(document)
        while len(self._documents) > self.entries or self._size > self.characters:
            _, evicted = self._documents.popitem(last=False)
            self._size -= len(evicted)


class PersistedOperations:
    """Turns an operation naming a persisted query into one with its document (a worker's)."""

    def __init__(self, settings: Settings, schema: BaseSchema) -> None:
        assert isinstance(schema, strawberry.Schema)
        self.settings = settings
        self.schema: GraphQLSchema = schema._schema  # registrations must validate against it
        self.cache = DocumentCache()

    @property
    def safelist_only(self) -> bool:
        return self.settings.persisted_queries_only

    async def resolve(self, data: GraphQLRequestData, context: Context) -> GraphQLRequestData:
        """`data` with its document, after checking, looking up or registering it; raises
        PersistedQueryError when the operation may not run."""
        sha256 = persisted_hash(data.extensions)
        if sha256 is None:
            if self.safelist_only:
                raise PersistedQueryError(
                    400,
                    "This API runs persisted operations only: send "
                    '`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}` '
                    "naming an operation loaded with `referrals persisted load`.",
                    code=REQUIRED,
                )
            return data
        if data.query is None:
            document = await self._find(sha256, context)
            if document is None:
                raise self._not_found()
            return dataclasses.replace(data, query=document)
        if store.document_hash(data.query) != sha256:
            raise PersistedQueryError(400, "provided sha does not match query")
        if await self._find(sha256, context) is None:
            if self.safelist_only:
                raise self._not_found()
            await self._register(data.query, context)
        return data

    async def _find(self, sha256: str, context: Context) -> str | None:
        document = self.cache.get(sha256)
        if document is None:
            document = await store.find(
                context.database, sha256, safelisted_only=self.safelist_only
            )
            if document is not None:
                self.cache.put(sha256, document)
        return document

    async def _register(self, document: str, context: Context) -> None:
        """Store a document that parses and validates (Apollo stores only those); any other
        runs unstored, so that its errors come from execution as for a raw query."""
        try:
            parsed = parse(document, max_tokens=self.settings.max_tokens)
        except GraphQLSyntaxError:
            return
        if validate(self.schema, parsed):
            return
        sha256 = await store.register(
            context.database,
            document,
            organization_id=context.viewer.organization_id,
            now=context.viewer.now,
        )
        self.cache.put(sha256, document)

    def _not_found(self) -> PersistedQueryError:
        if self.safelist_only:
            return PersistedQueryError(
                400,
                "PersistedQueryNotFound: this API runs safelisted operations only, and no "
                "operation loaded with `referrals persisted load` has this sha256Hash.",
                code=NOT_FOUND,
            )
        # Apollo's answer: 200, so that the client retries with the document, and not cached
        # (a CDN must not keep serving the miss once the document is registered).
        return PersistedQueryError(
            200,
            "PersistedQueryNotFound",
            code=NOT_FOUND,
            headers={"Cache-Control": "private, no-cache, must-revalidate"},
        )


# --- Loading a safelist from operation files -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersistedDocument:
    """One operation as stored: its name, the file it came from and its exact text."""

    name: str
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        return store.document_hash(self.text)


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
        try:
            document = parse(Source(path.read_text(encoding="utf-8"), str(path)))
        except OSError as error:
            problems.append(f"{path}: cannot read: {error.strerror}")
            continue
        except GraphQLSyntaxError as error:
            problems.append(_located(error, path))
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
