"""The oracle: the properties every answer must have, whatever was sent."""

# Whatever is sent, the answer must hold these properties (`assert_sound`): no status >= 500, a
# JSON object body, no error masked as "Internal error ..." (an exception our code did not
# expect: the GraphQL face of a 500), every error with a `message` and an `extensions.code`, and
# no traceback, file path, SQL or database driver name anywhere in the response.

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

# Text that must never reach a client: tracebacks, source paths, SQL, database drivers.
LEAKS = ("Traceback", 'File "', '.py"', "SELECT ", "INSERT ", "DELETE FROM", "/work/", "/tmp/")
LEAKS_ANY_CASE = ("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "psycopg")
# How api.errors masks an exception our code did not expect: the GraphQL face of a 500.
MASKED_MESSAGE = "Internal error"
MASKED_CODE = "INTERNAL_SERVER_ERROR"


def _strings(value: object) -> Iterator[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_sound(response: httpx.Response, sent: str = "") -> dict[str, Any]:
    """The properties every answer must have; `sent` is the request's text, which the answer
    may echo (a leak marker the client sent itself is not a leak)."""
    request = f"{response.request.method} {response.request.url}\n{sent[:3000]}\n->"
    assert response.status_code < 500, f"{request} -> {response.status_code}: {response.text}"
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{request}: the body is not JSON: {response.text[:2000]}") from None
    assert isinstance(body, dict), f"{request}: the body is not a JSON object: {body!r}"
    assert "data" in body or "errors" in body, f"{request}: neither data nor errors: {body}"
    texts = [response.text, *_strings(body)]
    for marker in LEAKS:
        if marker not in sent:
            leaked = [text for text in texts if marker in text]
            assert not leaked, f"{request}: {marker!r} in the response: {leaked[0][:2000]}"
    for marker in LEAKS_ANY_CASE:
        if marker not in sent.lower():
            leaked = [text for text in texts if marker in text.lower()]
            assert not leaked, f"{request}: {marker!r} in the response: {leaked[0][:2000]}"
    errors = body.get("errors")
    if errors is not None:
        assert isinstance(errors, list), f"{request}: `errors` is not a list: {body}"
        assert errors, f"{request}: `errors` is empty: {body}"
        for error in errors:
            assert isinstance(error, dict), f"{request}: an error is not an object: {body}"
            message = error.get("message")
            assert isinstance(message, str), f"{request}: an error without message: {body}"
            assert message.strip(), f"{request}: an error with an empty message: {body}"
            code = (error.get("extensions") or {}).get("code")
            assert isinstance(code, str), f"{request}: an error without extensions.code: {body}"
            unexpected = message.startswith(MASKED_MESSAGE) or code == MASKED_CODE
            assert not unexpected, f"{request}: an unexpected exception: {body}"
    return body
