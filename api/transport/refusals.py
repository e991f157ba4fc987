"""Requests refused at the HTTP level, answered with a GraphQL-shaped error body."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from http import HTTPStatus

from starlette.responses import Response

from api.errors import ApiError, AuthenticationError, ErrorCode

UNAVAILABLE_RETRY_SECONDS = 5  # about how long a PostgreSQL restart or failover takes


class HTTPError(ApiError):
    """A request refused at the HTTP level; the message is safe to show the caller.

    The view (or the body-size middleware) answers it as `{"errors": [{"message": ...}]}`.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: ErrorCode | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code or ErrorCode.of_status(status_code)
        self.headers = dict(headers or {})

    def response(self, media_type: str) -> Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code.value}}]}
        return graphql_response(json.dumps(body), self.status_code, media_type, self.headers)


def graphql_response(
    content: str | bytes,
    status_code: int,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A GraphQL response body as `media_type` in UTF-8."""
    return Response(
        content,
        status_code=status_code,
        media_type=f"{media_type}; charset=utf-8",
        headers=dict(headers or {}),
    )


def retry_after(seconds: float) -> dict[str, str]:
    """The Retry-After header: whole seconds, rounded up."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def service_unavailable() -> HTTPError:
    """The refusal of a request that met a database outage outside execution."""
    return HTTPError(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "The database is unavailable; retry shortly.",
        code=ErrorCode.SERVICE_UNAVAILABLE,
        headers=retry_after(UNAVAILABLE_RETRY_SECONDS),
    )


def unauthenticated(error: AuthenticationError) -> HTTPError:
    """The refusal of a request without usable credentials (api.auth.tokens says why)."""
    return HTTPError(
        401,
        str(error),
        code=error.code,
        headers={"WWW-Authenticate": 'Bearer realm="referrals"'},
    )
