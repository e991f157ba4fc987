"""Errors a client caused, and the rule for which errors are shown as they are."""

from __future__ import annotations

from graphql import GraphQLError


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
