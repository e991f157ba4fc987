"""GraphQL over HTTP at the HTTP level: methods, media types, request bodies, limits, CORS.

Each helper does one job and either answers or raises `HTTPError`, which the view (or the
body-size middleware) turns into a GraphQL-shaped error body: `{"errors": [{"message": ...}]}`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.errors import ApiError, ErrorCode, OperationError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = ("GET", "POST")

# Errors that end an operation with a status of their own under graphql-response+json.
STATUS_BY_ERROR_CODE: Mapping[str, int] = {ErrorCode.DEADLINE_EXCEEDED: HTTPStatus.GATEWAY_TIMEOUT}
# The database is down: 503 under either media type, so that load balancers, proxies and
# clients' retry logic see a retryable failure rather than a success holding an error.
UNAVAILABLE = ErrorCode.SERVICE_UNAVAILABLE
UNAVAILABLE_RETRY_SECONDS = 5  # about how long a PostgreSQL restart or failover takes


class HTTPError(ApiError):
    """A request refused at the HTTP level; the message is safe to show the caller."""

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

    def response(self, media_type: str = JSON) -> Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code.value}}]}
        return graphql_response(json.dumps(body), self.status_code, media_type, self.headers)


def graphql_response(
    content: str | bytes,
    status_code: int,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        content,
        status_code=status_code,
        media_type=f"{media_type}; charset=utf-8",
        headers=dict(headers or {}),
    )


# --- Method ---------------------------------------------------------------------------------


def check_method(method: str) -> None:
    if method not in ALLOWED_METHODS:
        raise HTTPError(
            405,
            f"GraphQL is served over GET (queries) and POST, not {method}.",
            headers={"Allow": ", ".join(ALLOWED_METHODS)},
        )


# --- Accept ---------------------------------------------------------------------------------


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their quality; malformed qualities count 0."""
    ranges = []
    for part in accept.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:  # also NaN
                    quality = 0.0
        ranges.append((media_range.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: Sequence[tuple[str, float]]) -> tuple[float, int]:
    """The quality the most specific matching range gives `media_type`, and that specificity
    (2 exact, 1 `type/*`, 0 `*/*`, -1 no match)."""
    kind = media_type.partition("/")[0]
    best = (0.0, -1)
    for media_range, quality in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def preferred_media_type(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None if it allows neither.

    `application/graphql-response+json` when the client names it at least as highly as
    `application/json`; `application/json` for legacy clients, a missing Accept and `*/*`.
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = _media_ranges(accept)
    new_quality, new_specificity = _quality(GRAPHQL_RESPONSE_JSON, ranges)
    legacy_quality, _ = _quality(JSON, ranges)
    if new_quality <= 0 and legacy_quality <= 0:
        return None
    if new_quality > legacy_quality or (new_quality == legacy_quality and new_specificity == 2):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def negotiate(accept: str | None) -> str:
    media_type = preferred_media_type(accept)
    if media_type is None:
        raise HTTPError(
            406,
            f"This endpoint answers {GRAPHQL_RESPONSE_JSON} or {JSON}; "
            f"the Accept header allows neither: {accept!r}.",
        )
    return media_type


def accepts_html(accept: str | None) -> bool:
    """Whether the client names HTML (a browser opening the page), not merely `*/*`."""
    quality, specificity = _quality("text/html", _media_ranges(accept or ""))
    return quality > 0 and specificity >= 1


# --- Content-Type ---------------------------------------------------------------------------


def check_content_type(content_type: str | None) -> None:
    """A POST must carry JSON: the simple types of a cross-site form never reach execution."""
    if not content_type or not content_type.strip():
        raise HTTPError(
            415, f"A POST needs `Content-Type: {JSON}`; the request has no Content-Type."
        )
    mime_type, parameters = parse_content_type(content_type)
    if mime_type.strip().lower() != JSON:
        raise HTTPError(
            415, f"A POST needs `Content-Type: {JSON}`, not {mime_type.strip()[:100]!r}."
        )
    charset = parameters.get("charset")
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise HTTPError(415, f"The request body must be UTF-8, not {charset.strip()[:40]!r}.")


# --- Request body ---------------------------------------------------------------------------


def _json_type(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case _:
            return "an object"


def parse_body(body: bytes, *, max_operations: int | None) -> dict[str, Any] | list[dict[str, Any]]:
    """The JSON body of a POST: one operation object, or a batch (an array) if batching is on.

    `max_operations` None means batching is off.
    """
    if not body.strip():
        raise HTTPError(400, "The request body is empty; send a JSON object with a `query`.")
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as error:
        raise HTTPError(
            400,
            f"The request body is not valid JSON: {error.msg} "
            f"(line {error.lineno}, column {error.colno}).",
        ) from None
    except UnicodeDecodeError:
        raise HTTPError(400, "The request body is not valid UTF-8.") from None
    except RecursionError:
        raise HTTPError(400, "The request body is nested too deeply.") from None
    if isinstance(payload, list):
        return _batch(payload, max_operations)
    if not isinstance(payload, dict):
        raise HTTPError(
            400,
            f"The request body must be a JSON object with a `query`, not {_json_type(payload)}.",
        )
    return payload


def _batch(payload: list[Any], max_operations: int | None) -> list[dict[str, Any]]:
    if max_operations is None:
        raise HTTPError(
            400, "Batching is not enabled: send one operation as a JSON object, not an array."
        )
    if not payload:
        raise HTTPError(400, "The batch is empty; send at least one operation.")
    if len(payload) > max_operations:
        raise HTTPError(
            400,
            f"A batch may hold at most {max_operations} operations, not {len(payload)}.",
        )
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise HTTPError(
                400, f"Operation {index} of the batch must be an object, not {_json_type(item)}."
            )
    return payload


def request_data(params: Mapping[str, Any], *, where: str = "") -> GraphQLRequestData:
    """One operation's parameters, checked: `query` is required, the others typed or null.

    `where` names the operation in a batch ("Operation 2 of the batch: ").
    """
    query = params.get("query")
    if query is None or query == "":
        raise HTTPError(400, f"{where}The request has no `query`: send the GraphQL document.")
    if not isinstance(query, str):
        raise HTTPError(400, f"{where}`query` must be a string, not {_json_type(query)}.")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPError(
            400, f"{where}`variables` must be an object or null, not {_json_type(variables)}."
        )
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPError(
            400,
            f"{where}`operationName` must be a string or null, not {_json_type(operation_name)}.",
        )
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPError(
            400, f"{where}`extensions` must be an object or null, not {_json_type(extensions)}."
        )
    return GraphQLRequestData(
        query=query, variables=variables, operation_name=operation_name, extensions=extensions
    )


# --- Results --------------------------------------------------------------------------------


def request_error(message: str) -> ExecutionResult:
    """An operation refused before it started, as a result of its own (a batch's member)."""
    return PreExecutionError(data=None, errors=[OperationError(message, ErrorCode.BAD_REQUEST)])


def deadline_exceeded(seconds: float) -> ExecutionResult:
    return ExecutionResult(
        data=None,
        errors=[
            OperationError(
                f"The operation exceeded its {seconds:g} s deadline.", ErrorCode.DEADLINE_EXCEEDED
            )
        ],
    )


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion failures: the operation never executed.

    Strawberry returns parse and validation failures as PreExecutionError; graphql-core
    reports variable coercion as a result without data whose errors have no path (a field
    error that nulls the whole `data` always has one).
    """
    if isinstance(result, PreExecutionError):
        return True
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def is_unavailable(result: ExecutionResult) -> bool:
    """Whether the operation met a database outage (api.errors codes it SERVICE_UNAVAILABLE)."""
    return any((error.extensions or {}).get("code") == UNAVAILABLE for error in result.errors or ())


def status_code(result: ExecutionResult, media_type: str) -> int:
    """The spec's status: 503 for a database outage; otherwise legacy JSON is always 200, and
    graphql-response+json answers 400 for a request error, the status of a
    STATUS_BY_ERROR_CODE error, else 200."""
    if is_unavailable(result):
        return HTTPStatus.SERVICE_UNAVAILABLE
    if media_type != GRAPHQL_RESPONSE_JSON:
        return 200
    for error in result.errors or ():
        code = (error.extensions or {}).get("code")
        if isinstance(code, str) and code in STATUS_BY_ERROR_CODE:
            return STATUS_BY_ERROR_CODE[code]
    return 400 if is_request_error(result) else 200


def shaped(body: GraphQLHTTPResponse, status: int, media_type: str) -> object:
    """The body to send: under graphql-response+json an operation answered with an error
    status has no `data` entry at all (the spec); legacy JSON keeps Strawberry's `"data": null`.
    """
    if media_type == GRAPHQL_RESPONSE_JSON and status >= 400:
        return {key: value for key, value in body.items() if key != "data"}
    return body


def retry_after(seconds: float) -> dict[str, str]:
    """The Retry-After header: whole seconds, rounded up."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def service_unavailable() -> HTTPError:
    """The refusal of a request that met a database outage outside execution."""
    return HTTPError(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "The database is unavailable; retry shortly.",
        code=UNAVAILABLE,
        headers=retry_after(UNAVAILABLE_RETRY_SECONDS),
    )


# --- Body size ------------------------------------------------------------------------------


class BodyTooLarge(Exception):
    """Raised from `receive` once a request body has outgrown the limit."""


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`.

    Refuses early when Content-Length already says so, and otherwise counts the bytes as they
    are received (chunked bodies, lying Content-Length), without buffering the body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(headers, scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(headers, scope, receive, send)

    async def _refuse(self, headers: Headers, scope: Scope, receive: Receive, send: Send) -> None:
        error = HTTPError(
            413,
            f"The request body exceeds the limit of {self.max_bytes} bytes.",
            code=ErrorCode.PAYLOAD_TOO_LARGE,
        )
        media_type = preferred_media_type(headers.get("accept")) or JSON
        await error.response(media_type)(scope, receive, send)


# --- CORS -----------------------------------------------------------------------------------


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
