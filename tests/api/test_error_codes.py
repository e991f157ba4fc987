"""One ErrorCode enum holds every code the API emits, and one family every error it reports
(the error battery of test_errors.py checks the codes of real responses)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from api.auth.jwks import KeysUnavailable, UnknownKey
from api.errors import ApiError, AuthenticationError, BadUserInput, ErrorCode
from api.guards.budget import RateLimited, RateLimitState
from api.transport.refusals import HTTPError
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "api").rglob("*.py"), *(ROOT / "db").rglob("*.py")]


def _bare_codes(path: Path) -> list[str]:
    """Codes written as string literals: `{"code": "X"}`, or `code="X"` given to an error."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                literal = isinstance(value, ast.Constant)
                if isinstance(key, ast.Constant) and key.value == "code" and literal:
                    found.append(f"{path}:{node.lineno}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("Error", "_error")):
            # (message, code) for OperationError and its helpers; code= for HTTPError.
            positional = ast.unparse(node.func).endswith(("OperationError", "_error"))
            literals = [k.value for k in node.keywords if k.arg == "code"]
            literals += node.args[1:2] if positional else []
            if any(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in literals):
                found.append(f"{path}:{node.lineno}")
    return found


def test_no_code_is_written_outside_the_enum() -> None:
    assert SOURCES
    assert [where for path in SOURCES for where in _bare_codes(path)] == []


def test_every_code_is_named_as_it_reads() -> None:
    assert all(code.name == code.value for code in ErrorCode)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"),
        (404, "NOT_FOUND"),
        (405, "METHOD_NOT_ALLOWED"),
        (406, "NOT_ACCEPTABLE"),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        (503, "SERVICE_UNAVAILABLE"),
        (418, "BAD_REQUEST"),  # statuses without a code of their own: their class's
        (502, "INTERNAL_SERVER_ERROR"),
    ],
)
def test_an_http_refusal_without_a_code_gets_its_status_s(status: int, code: str) -> None:
    assert HTTPError(status, "refused").code == code
    assert ErrorCode.of_status(status) == code


def test_the_family_is_one() -> None:
    for error in (
        HTTPError(400, "x"),
        AuthenticationError("x"),
        KeysUnavailable(),
        UnknownKey(),
        BadUserInput("x"),
        RateLimited(RateLimitState(1, 1, 1, START, allowed=False), START),
    ):
        assert isinstance(error, ApiError)
        assert error.code in set(ErrorCode)
    assert AuthenticationError("x").code == "UNAUTHENTICATED"
