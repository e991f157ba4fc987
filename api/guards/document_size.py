"""How large a GraphQL document may be, checked on its bytes before anything parses it.

Comments and whitespace are no tokens, so the token limit alone lets a megabyte of comments
through, and every unique such text costs a parse and a cache entry. Public GraphQL APIs bound
the document itself; so does this one, for POST, GET and persisted-query registrations alike
(the view checks every request's documents before authenticating or parsing). WebSocket
subscriptions are bounded in the schema (api.guards.extension).
"""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.http import GraphQLRequestData

from api.errors import ErrorCode
from api.transport.refusals import HTTPError


def document_bytes(query: str, limit: int) -> int | None:
    """The document's size in UTF-8 bytes if it exceeds `limit`, else None."""
    if len(query) * 4 <= limit:  # no character takes more than 4 bytes: cheap for most
        return None
    size = len(query.encode("utf-8", "surrogatepass"))
    return size if size > limit else None


def message(size: int, limit: int) -> str:
    return (
        f"The GraphQL document is {size} bytes; the limit is {limit} bytes "
        "(MAX_DOCUMENT_BYTES). Send a smaller document: fewer comments, fields or fragments."
    )


def check_requests(requests: GraphQLRequestData | Iterable[GraphQLRequestData], limit: int) -> None:
    """Refuse a request (a batch as a whole) holding an over-size document: HTTP 413."""
    for data in [requests] if isinstance(requests, GraphQLRequestData) else requests:
        size = document_bytes(data.query, limit) if data.query else None
        if size is not None:
            raise HTTPError(413, message(size, limit), code=ErrorCode.DOCUMENT_TOO_LARGE)
