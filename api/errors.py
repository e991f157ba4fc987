"""Errors a client caused, and the rule for which errors are shown as they are."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

errors_log = logging.getLogger("referrals.errors")


class BadUserInput(GraphQLError):
    """An argument the client sent is malformed or out of range; the message names it."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        extensions: dict[str, object] = {"code": "BAD_USER_INPUT"}
        if argument is not None:
            extensions["argument"] = argument
        super().__init__(message, extensions=extensions)


def is_unexpected(error: GraphQLError) -> bool:
    """Whether an error came from a fault in our code rather than the request.

    Parse and validation errors carry no original error, ours are GraphQLErrors; anything else
    (a database or programming error) is masked so its text never reaches the client.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def request_id_of(context: Any) -> str:
    return str(getattr(context, "request_id", "-"))


class MaskUnexpectedErrors(MaskErrors):
    """Unexpected faults reach the client as a generic message with the request's id only;
    the log line with the traceback carries the same id (see `log_unexpected`)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_of(self.execution_context.context)
        return GraphQLError(
            f"Internal error. Quote request id {request_id} when reporting it.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def log_unexpected(errors: list[GraphQLError], context: Any) -> None:
    """Log the faults that will be masked, with traceback and request id; not client errors."""
    for error in errors:
        if is_unexpected(error):
            errors_log.error(
                "unexpected error in %s (request %s): %s",
                ".".join(str(p) for p in error.path or ()) or "operation",
                request_id_of(context),
                error.message,
                exc_info=error.original_error,
            )
