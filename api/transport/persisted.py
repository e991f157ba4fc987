"""Persisted operations: Apollo's automatic persisted queries (APQ) and a production safelist.

A request names its document by `extensions.persistedQuery = {"version": 1, "sha256Hash":
"<hex>"}`, with or without the `query`:

- hash only: the stored document runs; an unknown hash answers `PersistedQueryNotFound`
  (HTTP 200, as Apollo Client expects before it retries with the document);
- hash and query: the hash must be the sha256 of the query; the document is stored for the
  organization (shared by every worker through the database, within its quota: see
  `db.persisted`) and runs. A document over APQ_MAX_DOCUMENT_BYTES is refused, unstored.

With `persisted_queries_only` only documents loaded by `referrals persisted load` run: raw
queries and registrations of new documents are refused. Found documents are kept in a bounded
LRU in the worker's memory, so a hot hash costs no SQL statement after its first use (but for
marking it used, at most once per `db.persisted.LAST_USED_PRECISION`).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLSchema, GraphQLSyntaxError, parse, validate
from strawberry.http import GraphQLRequestData
from strawberry.schema.base import BaseSchema

from api.context import Context
from api.errors import ErrorCode
from api.settings import Settings
from api.transport import body
from api.transport.refusals import HTTPError
from db import persisted as store

SUPPORTED_VERSION = 1
CACHE_ENTRIES = 2_000  # documents kept per worker (their bytes: PERSISTED_CACHE_BYTES)
NOT_FOUND = ErrorCode.PERSISTED_QUERY_NOT_FOUND
REQUIRED = ErrorCode.PERSISTED_QUERY_REQUIRED
TOO_LARGE = ErrorCode.PERSISTED_QUERY_TOO_LARGE
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
# Stands in for the missing `query` while body.request_data checks a hash-only request's
# other parameters; the document itself is looked up after authentication.
_HASH_ONLY_PLACEHOLDER = "{ __typename }"


class PersistedQueryError(HTTPError):
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
            code=ErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED,
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
    """body.request_data, except that an operation naming a persisted query may leave out its
    `query` (its GraphQLRequestData then has `query=None` until `PersistedOperations.resolve`).
    """
    extensions = params.get("extensions")
    sha256 = persisted_hash(extensions, where=where) if isinstance(extensions, dict) else None
    query = params.get("query")
    if sha256 is not None and (query is None or query == ""):
        checked = body.request_data({**params, "query": _HASH_ONLY_PLACEHOLDER}, where=where)
        return dataclasses.replace(checked, query=None)
    return body.request_data(params, where=where)


# A cached document's key: the organization that registered it (None: the safelist's) and hash.
CacheKey = tuple[uuid.UUID | None, str]


@dataclass(slots=True)
class CachedDocument:
    """A document in a worker's memory."""

    document: str
    size: int  # UTF-8 bytes
    # When its last_used_date was last written; None for the safelist, which tracks no use.
    used: datetime | None


class DocumentCache:
    """A bounded LRU of documents: at most `entries` documents of `max_bytes` UTF-8 bytes."""

    def __init__(self, *, max_bytes: int, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._documents: OrderedDict[CacheKey, CachedDocument] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, key: CacheKey) -> CachedDocument | None:
        cached = self._documents.get(key)
        if cached is not None:
            self._documents.move_to_end(key)
        return cached

    def put(self, key: CacheKey, document: str, *, used: datetime | None = None) -> CachedDocument:
        """Keep `document` (unless it alone is over `max_bytes`) as the most recently used."""
        cached = CachedDocument(document, len(document.encode("utf-8")), used)
        if cached.size > self.max_bytes:
            return cached
        self.discard(key)
        self._documents[key] = cached
        self._size += cached.size
        while len(self._documents) > self.entries or self._size > self.max_bytes:
            _, evicted = self._documents.popitem(last=False)
            self._size -= evicted.size
        return cached

    def discard(self, key: CacheKey) -> None:
        cached = self._documents.pop(key, None)
        if cached is not None:
            self._size -= cached.size


class PersistedOperations:
    """Turns an operation naming a persisted query into one with its document (a worker's)."""

    def __init__(self, settings: Settings, schema: BaseSchema) -> None:
        assert isinstance(schema, strawberry.Schema)
        self.settings = settings
        self.schema: GraphQLSchema = schema._schema  # registrations must validate against it
        self.cache = DocumentCache(max_bytes=settings.persisted_cache_bytes)
        self.quota = store.Quota(
            documents=settings.apq_max_documents_per_organization,
            bytes=settings.apq_max_bytes_per_organization,
        )

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
            self._check_size(data.query)
            await self._register(data.query, context)
        return data

    async def _find(self, sha256: str, context: Context) -> str | None:
        """The safelisted document, else the one the viewer's organization registered; the
        latter is marked used in the database at most once per LAST_USED_PRECISION."""
        organization_id = None if self.safelist_only else context.viewer.organization_id
        for owner in dict.fromkeys((None, organization_id)):  # the safelist first
            if (cached := self.cache.get((owner, sha256))) is not None:
                break
        if cached is None:
            found = await store.find(context.database, sha256, organization_id=organization_id)
            if found is None:
                return None
            owner = None if found.last_used is None else organization_id
            cached = self.cache.put((owner, sha256), found.document, used=found.last_used)
        now = context.viewer.now
        if owner is not None and cached.used and now - cached.used >= store.LAST_USED_PRECISION:
            if await store.touch(context.database, sha256, organization_id=owner, now=now):
                cached.used = now
            else:  # evicted (by another worker's registration): runs once more, then is gone
                self.cache.discard((owner, sha256))
        return cached.document

    def _check_size(self, document: str) -> None:
        """Refuse to store a document over APQ_MAX_DOCUMENT_BYTES (nothing is stored)."""
        size = len(document.encode("utf-8"))
        limit = min(self.settings.apq_max_document_bytes, self.quota.bytes)
        if size > limit:
            raise PersistedQueryError(
                400,
                f"The persisted query is {size:,} bytes; automatic persisted queries may be at "
                f"most {limit:,} bytes. Send it without `extensions.persistedQuery`.",
                code=TOO_LARGE,
            )

    async def _register(self, document: str, context: Context) -> None:
        """Store a document that parses and validates (Apollo stores only those); any other
        runs unstored, so that its errors come from execution as for a raw query."""
        try:
            parsed = parse(document, max_tokens=self.settings.max_tokens)
        except GraphQLSyntaxError:
            return
        if validate(self.schema, parsed):
            return
        organization_id = context.viewer.organization_id
        evicted = await store.register(
            context.database,
            document,
            organization_id=organization_id,
            quota=self.quota,
            now=context.viewer.now,
        )
        for sha256 in evicted:
            self.cache.discard((organization_id, sha256))
        self.cache.put(
            (organization_id, store.document_hash(document)), document, used=context.viewer.now
        )

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
