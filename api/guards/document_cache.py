"""Parsed and validated documents kept per schema, bounded by their size in bytes.

The guards' extension (api.guards.extension) reads and fills it.

Frontends send the same few documents all day, so each is parsed and validated once. Unique
texts from the public internet must not grow memory: the cache is an LRU bounded by the bytes
of the documents it holds (a parsed document takes about 50-70 bytes of memory per byte of
text, so DOCUMENT_CACHE_BYTES of text is about 64 MiB), not by a count of entries, which
documents of any size would fill alike.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError

DOCUMENT_CACHE_BYTES = 1024 * 1024


@dataclass(slots=True)
class Entry:
    """A parsed document, its size in bytes, and its validation errors once validated."""

    document: DocumentNode
    size: int
    errors: tuple[GraphQLError, ...] | None = None  # None: not validated yet


class DocumentCache:
    """An LRU of parsed documents (and their validation errors) by text, at most
    `max_bytes` of text in all."""

    def __init__(self, max_bytes: int = DOCUMENT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Entry | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode) -> Entry:
        entry = Entry(document, len(query.encode("utf-8", "surrogatepass")))
        if entry.size > self.max_bytes or query in self._entries:
            return entry
        self._entries[query] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.size
        return entry
