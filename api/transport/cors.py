"""CORS for browser frontends on other origins: which headers they may send and read."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from api.transport.negotiation import ALLOWED_METHODS

# What browsers may send besides the safelisted headers: the token and JSON body, the request
# id the API echoes, and what GraphQL clients add (Apollo Client's client awareness and its
# CSRF-prevention headers, W3C trace context from OpenTelemetry's browser instrumentation).
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollographql-library-name",
    "apollographql-library-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
)
# What browser code may read from a response: without this it sees none of them.
# The rate limit's headers too, so that a browser frontend can pace itself (api.guards.budget).
CORS_RESPONSE_HEADERS = (
    "WWW-Authenticate",
    "Retry-After",
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Used",
    "X-RateLimit-Reset",
    "X-RateLimit-Resource",
)


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """Starlette's CORS for the configured origins; none configured, no CORS headers at all."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_RESPONSE_HEADERS),
            max_age=600,
        )
    ]
