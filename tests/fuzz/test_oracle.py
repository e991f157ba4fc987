"""The oracle refuses what a server must not answer and lets an echo of the request pass."""

from __future__ import annotations

import httpx
import pytest

from tests.fuzz.oracle import MASKED_CODE, assert_sound


def _response(status: int, body: object, content: bytes | None = None) -> httpx.Response:
    request = httpx.Request("POST", "http://testserver/graphql")
    if content is None:
        return httpx.Response(status, json=body, request=request)
    return httpx.Response(status, content=content, request=request)


@pytest.mark.parametrize(
    "response",
    [
        _response(500, {"errors": [{"message": "Internal Server Error"}]}),
        _response(502, {"data": None}),
        _response(200, None, b"Internal Server Error"),
        _response(200, None, b"[1, 2]"),
        _response(200, {"extensions": {}}),
        _response(200, {"data": None, "errors": []}),
        _response(200, {"data": None, "errors": [{"locations": []}]}),
        _response(200, {"data": None, "errors": [{"message": " "}]}),
        _response(200, {"data": None, "errors": [{"message": "Internal error. Quote 1."}]}),
        _response(200, {"errors": [{"message": "x", "extensions": {"code": MASKED_CODE}}]}),
        _response(200, {"errors": [{"message": "Cannot query field 'x'."}]}),
        _response(400, {"errors": [{"message": "x", "extensions": {"code": None}}]}),
        _response(200, {"errors": [{"message": 'Traceback (most recent call last):\n  File "'}]}),
        _response(200, {"errors": [{"message": "boom", "extensions": {"at": "api/view.py"}}]}),
        _response(400, {"errors": [{"message": "(sqlalchemy.exc.DBAPIError) ..."}]}),
        _response(200, {"errors": [{"message": "asyncpg.exceptions.DataError: x"}]}),
        _response(200, {"errors": [{"message": "sqlite3.IntegrityError: UNIQUE failed"}]}),
        _response(200, {"errors": [{"message": "[SQL: SELECT referral.id FROM referral]"}]}),
        _response(200, {"errors": [{"message": "[SQL: INSERT INTO activity ...]"}]}),
        _response(200, {"errors": [{"message": "at /work/main/db/writes.py line 3"}]}),
        _response(200, {"errors": [{"message": "x"}], "data": {"a": "/tmp/pytest-1/x.db"}}),
        _response(200, {"data": {"Psycopg": 1}}),
    ],
)
def test_the_oracle_refuses_what_a_server_must_not_answer(response: httpx.Response) -> None:
    with pytest.raises(AssertionError):
        assert_sound(response)


def test_the_oracle_lets_an_echo_of_the_request_pass() -> None:
    message = "`id` is not a valid ID: 'SELECT /tmp/'."
    echo = _response(200, {"errors": [{"message": message, "extensions": {"code": "X"}}]})
    assert_sound(echo, sent='{ node(id: "SELECT /tmp/") { id } }')
    with pytest.raises(AssertionError):
        assert_sound(echo, sent='{ node(id: "SELECT") { id } }')
