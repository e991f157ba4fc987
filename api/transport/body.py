"""A POST's body: its Content-Type, its JSON (one operation or a batch), each operation's fields."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type

from api.transport.negotiation import JSON
from api.transport.refusals import HTTPError


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
