"""The methods GraphQL over HTTP takes, and the response media type the Accept header picks."""

from __future__ import annotations

from collections.abc import Sequence

from api.transport.refusals import HTTPError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = ("GET", "POST")


def check_method(method: str) -> None:
    if method not in ALLOWED_METHODS:
        raise HTTPError(
            405,
            f"GraphQL is served over GET (queries) and POST, not {method}.",
            headers={"Allow": ", ".join(ALLOWED_METHODS)},
        )


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
    """The response media type for an Accept header; 406 if it allows neither."""
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
