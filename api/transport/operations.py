"""The operations a request carries, from GET's query parameters or a POST's JSON body.

One operation or a batch, each checked; a persisted query's hash may stand in for its document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from strawberry.http import GraphQLRequestData

from api.settings import Settings
from api.transport import persisted
from api.transport.body import check_content_type, parse_body
from api.transport.refusals import HTTPError


async def read_operations(
    request: AsyncHTTPRequestAdapter, settings: Settings
) -> GraphQLRequestData | list[GraphQLRequestData]:
    """GET: the query parameters; POST: a JSON body (413 comes from the
    api.transport.body_size.BodySizeLimit middleware while the body is read)."""
    if request.method == "GET":
        return persisted.request_data(_query_params(request.query_params))
    check_content_type(request.content_type)
    payload = parse_body(
        await request.get_body(),
        max_operations=settings.max_batch_operations if settings.batching else None,
    )
    if isinstance(payload, list):
        return [
            persisted.request_data(params, where=f"Operation {index} of the batch: ")
            for index, params in enumerate(payload)
        ]
    return persisted.request_data(payload)


def _query_params(query_params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with `variables` and `extensions` decoded from JSON (as Strawberry's
    `parse_query_params` does), refused by name when either is not JSON."""
    params = dict(query_params)
    for name in ("variables", "extensions"):
        if params.get(name):
            try:
                params[name] = json.loads(params[name])
            except json.JSONDecodeError:
                raise HTTPError(
                    400, "The `variables` or `extensions` query parameter is not valid JSON."
                ) from None
    return params
