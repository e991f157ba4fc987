"""The API's errors: one ErrorCode enum, one exception family, and which errors are masked."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from sqlalchemy import exc as sa_exc
from strawberry.extensions import MaskErrors, SchemaExtension

errors_log = logging.getLogger("referrals.errors")


class ErrorCode(StrEnum):
    """Every `extensions.code` the API emits, HTTP refusals and GraphQL errors alike; the
    GraphQL ones as Apollo Server's clients know them. A member's name is its value."""

    # The request, refused before any operation ran (HTTP statuses by name).
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    # Persisted queries (Apollo's automatic persisted queries, and persisted-only servers).
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"
    PERSISTED_QUERY_TOO_LARGE = "PERSISTED_QUERY_TOO_LARGE"
    PERSISTED_QUERY_VERSION_NOT_SUPPORTED = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
    # The document and the operation.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    # An event cursor older than the event log's retention (EVENT_RETENTION_DAYS).
    EVENTS_EXPIRED = "EVENTS_EXPIRED"
    # What an operation may cost (api.guards).
    DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
    OPERATION_TOO_LARGE = "OPERATION_TOO_LARGE"
    COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    # Our faults, and the database's.
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

    @classmethod
    def of_status(cls, status: int) -> ErrorCode:
        """The code of an HTTP refusal that names none: its status's name if that is a code,
        else the class's (4xx BAD_REQUEST, 5xx INTERNAL_SERVER_ERROR)."""
        try:
            return cls[HTTPStatus(status).name]
        except (KeyError, ValueError):
            return cls.BAD_REQUEST if status < 500 else cls.INTERNAL_SERVER_ERROR


# --- The exception family -------------------------------------------------------------------


class ApiError(Exception):
    """The base of every error the API reports to a client on purpose: its `code`, and a
    message safe to show. HTTP refusals (api.transport.refusals.HTTPError), authentication
    failures and GraphQL errors (OperationError) are its kinds; anything else is a fault of
    ours and masked."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR


class AuthenticationError(ApiError):
    """No usable credentials; the message is safe to show the caller (HTTP 401, WebSocket
    close 4403)."""

    code = ErrorCode.UNAUTHENTICATED


class OperationError(GraphQLError, ApiError):
    """An error in a GraphQL response's `errors`, its code in `extensions.code` beside the
    extensions given (e.g. `argument`, `limit`)."""

    def __init__(
        self, message: str, code: ErrorCode, *, nodes: Any = None, **extensions: object
    ) -> None:
        super().__init__(message, nodes, extensions={"code": code.value, **extensions})
        self.code = code


class BadUserInput(OperationError):
    """An argument the client sent is malformed or out of range; the message names it."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        extensions: dict[str, object] = {} if argument is None else {"argument": argument}
        super().__init__(message, ErrorCode.BAD_USER_INPUT, **extensions)


def is_unexpected(error: GraphQLError) -> bool:
    """Whether an error came from a fault in our code rather than the request.

    Parse and validation errors carry no original error, ours are GraphQLErrors; anything else
    (a database or programming error) is masked so its text never reaches the client.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


# --- The database is down -------------------------------------------------------------------

# SQLSTATE classes of "the server cannot serve now": 08 connection exceptions, and 57P01-03
# (administrator or crash shutdown, "the database system is starting up").
_OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_SQLITE_OUTAGES = ("SQLITE_CANTOPEN", "SQLITE_IOERR")


def is_outage(error: BaseException | None) -> bool:
    """Whether an exception means the database cannot be reached now, so a retry may succeed:
    refused or dropped connections, a server starting or shutting down, an exhausted pool, a
    SQLite file that cannot be opened or read. Not a bug in our code."""
    return any(_is_outage(link) for link in _chain(error))


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    """The exception, the driver error SQLAlchemy wraps, and what it was raised from."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen and len(seen) < 16:
        seen.add(id(error))
        yield error
        if isinstance(error, sa_exc.DBAPIError) and isinstance(error.orig, BaseException):
            yield from _chain(error.orig)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, OSError):  # refused, reset, unreachable, DNS, connect timeout
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool in time
        return True
    if isinstance(error, sqlite3.OperationalError):
        return str(getattr(error, "sqlite_errorname", "")).startswith(_SQLITE_OUTAGES)
    sqlstate = getattr(error, "sqlstate", None)  # asyncpg's and psycopg's server errors
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_OUTAGE_SQLSTATES)
    # asyncpg's own refusal to use a connection the server dropped.
    return type(error).__module__.startswith("asyncpg") and "connection is closed" in str(error)


# --- Every error gets a code ----------------------------------------------------------------


def code_of(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def _set_code(error: GraphQLError, code: ErrorCode) -> None:
    if code_of(error) is None:
        error.extensions = {**(error.extensions or {}), "code": code.value}


class ValidationErrorCodes(SchemaExtension):
    """Codes validation errors as such: only here is it known that they come from validation
    (graphql-core's variable errors look alike: no path, no original error)."""

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            _set_code(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)


def assign_codes(errors: list[GraphQLError]) -> None:
    """Give every error that has no `extensions.code` one, before any is masked or sent.

    Called from the schema's `process_errors`, which every error of every operation (HTTP or
    WebSocket, parse, validation, variables, execution) passes through.
    """
    for error in errors:
        if isinstance(error, GraphQLSyntaxError):
            # graphql-core's token limit is a parse failure; it is a limit like the shape's.
            too_large = "Document contains more than" in error.message
            parse_code = ErrorCode.OPERATION_TOO_LARGE if too_large else None
            _set_code(error, parse_code or ErrorCode.GRAPHQL_PARSE_FAILED)
        elif is_unexpected(error):
            outage = is_outage(error.original_error)
            _set_code(
                error, ErrorCode.SERVICE_UNAVAILABLE if outage else ErrorCode.INTERNAL_SERVER_ERROR
            )
        else:
            # Validation errors are coded already; what is left is what graphql-core refuses
            # while coercing the request's values: variables, or an argument given null.
            _set_code(error, ErrorCode.BAD_USER_INPUT)


# --- Masking --------------------------------------------------------------------------------


def request_id_of(context: Any) -> str:
    return str(getattr(context, "request_id", "-"))


class MaskUnexpectedErrors(MaskErrors):
    """Unexpected faults reach the client as a generic message with the request's id only;
    the log line carries the same id (see `log_unexpected`). A database outage says so, with
    a code clients retry on (the view answers it 503 with Retry-After)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_of(self.execution_context.context)
        if is_outage(error.original_error):
            message = "The database is unavailable; retry shortly."
            code = ErrorCode.SERVICE_UNAVAILABLE
        else:
            message = f"Internal error. Quote request id {request_id} when reporting it."
            code = ErrorCode.INTERNAL_SERVER_ERROR
        return GraphQLError(
            message,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": code.value, "requestId": request_id},
        )


def log_outage(error: BaseException, request_id: str, where: str = "operation") -> None:
    """One line, no traceback: the fault is the database's, and every request meets it."""
    errors_log.warning(
        "database unavailable in %s (request %s): %s: %s",
        where,
        request_id,
        type(error).__name__,
        str(error).partition("\n")[0],  # SQLAlchemy appends a link to its docs
    )


def log_unexpected(errors: list[GraphQLError], context: Any) -> None:
    """Log the faults that will be masked, with request id; not client errors. A bug gets its
    traceback; an outage one line per operation (`log_outage`)."""
    outage_logged = False
    for error in errors:
        if not is_unexpected(error):
            continue
        where = ".".join(str(p) for p in error.path or ()) or "operation"
        if is_outage(error.original_error):
            if not outage_logged and error.original_error is not None:
                log_outage(error.original_error, request_id_of(context), where)
            outage_logged = True
            continue
        errors_log.error(
            "unexpected error in %s (request %s): %s",
            where,
            request_id_of(context),
            error.message,
            exc_info=error.original_error,
        )
