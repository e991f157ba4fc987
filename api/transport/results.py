"""An operation's result over HTTP: its status code and body shape, and results for refusals."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.errors import ErrorCode, OperationError
from api.transport.negotiation import GRAPHQL_RESPONSE_JSON

# Errors that end an operation with a status of their own under graphql-response+json.
STATUS_BY_ERROR_CODE: Mapping[str, int] = {ErrorCode.DEADLINE_EXCEEDED: HTTPStatus.GATEWAY_TIMEOUT}
# The database is down: 503 under either media type, so that load balancers, proxies and
# clients' retry logic see a retryable failure rather than a success holding an error.
UNAVAILABLE = ErrorCode.SERVICE_UNAVAILABLE


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
