"""Parsed documents are cached per schema, bounded by their bytes, least recently used first."""

from __future__ import annotations

import graphql
import pytest

from api.guards.document_cache import DocumentCache
from tests.api.guards.test_document_size import LIMIT, padded


def test_the_document_cache_is_bounded_by_bytes_least_recently_used_first() -> None:
    cache = DocumentCache(max_bytes=100)
    document = graphql.parse("{ __typename }")
    texts = [padded(40, f"{{ a{i}: __typename }}") for i in range(3)]
    cache.put(texts[0], document)
    cache.put(texts[1], document)
    assert cache.get(texts[0]) is not None  # now the most recently used
    cache.put(texts[2], document)
    assert (cache.size, len(cache)) == (80, 2)
    assert cache.get(texts[1]) is None
    assert cache.get(texts[0]) is not None
    cache.put(padded(101), document)  # larger than the whole cache: not kept
    assert (cache.size, len(cache)) == (80, 2)


@pytest.mark.parametrize("entries", [1000])
def test_unique_documents_never_hold_more_than_the_bound(entries: int) -> None:
    cache = DocumentCache(max_bytes=64 * 1024)
    document = graphql.parse("{ __typename }")
    for i in range(entries):
        cache.put(padded(LIMIT, f"{{ a{i}: __typename }}"), document)
    assert cache.size <= 64 * 1024
    assert len(cache) == 2
