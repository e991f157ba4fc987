"""Parsed and validated documents kept per schema, bounded by their size in bytes.

Frontends send the same few documents all day, so each is parsed and validated once. Unique
texts from the public internet must not grow memory: the cache is an LRU bounded by the bytes
of the documents it holds (a parsed document takes about 50-70 bytes of memory per byte of
text, so DOCUMENT_CACHE_BYTES of text is about 64 MiB), not by a count of entries, which
documents of any size would fill alike.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.guards.document_size import document_bytes

DOCUMENT_CACHE_BYTES = 1024 * 1024


@dataclass(slots=True)
class _Entry:
    document: DocumentNode
    size: int
    errors: tuple[GraphQLError, ...] | None = None  # None: not validated yet


class DocumentCache:
    """An LRU of parsed documents (and their validation errors) by text, at most
    `max_bytes` of text in all."""

    def __init__(self, max_bytes: int = DOCUMENT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> _Entry | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode) -> _Entry:
        entry = _Entry(document, len(query.encode("utf-8", "surrogatepass")))
        if entry.size > self.max_bytes or query in self._entries:
            return entry
        self._entries[query] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.size
        return entry


class CachedDocuments(SchemaExtension):
    """Refuses over-size documents before parsing, then parses and validates each distinct
    document once (replaces Strawberry's ParserCache and ValidationCache, bounded by entries)."""

    def __init__(self, cache: DocumentCache, max_document_bytes: int) -> None:
        self.cache = cache
        self.max_document_bytes = max_document_bytes
        self.entry: _Entry | None = None

    def on_operation(self) -> Iterator[None]:
        # HTTP requests were refused by the view already (413); this bounds what reaches the
        # schema otherwise (subscriptions over WebSocket): graphql-core refuses a text of more
        # code points without reading it.
        options = self.execution_context.parse_options
        options["max_source_length"] = self.max_document_bytes  # type: ignore[typeddict-unknown-key]
        yield

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        query = execution.query
        if (
            query
            and execution.graphql_document is None
            and document_bytes(query, self.max_document_bytes) is None
        ):
            self.entry = self.cache.get(query)
            if self.entry is None:
                try:
                    document = parse(query, **execution.parse_options)
                except GraphQLError:
                    # Left to Strawberry's own parse, which reports it as the operation's
                    # error (an exception raised here would escape a subscription).
                    yield
                    return
                self.entry = self.cache.put(query, document)
            execution.graphql_document = self.entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        entry = self.entry
        if entry is not None and execution.graphql_document is entry.document:
            if entry.errors is None:
                entry.errors = tuple(
                    validate_document(
                        execution.schema._schema, entry.document, execution.validation_rules
                    )
                )
            execution.pre_execution_errors = list(entry.errors)
        yield
