"""`referrals token`: a development token for the given organization and user."""

from __future__ import annotations

import uuid

import jwt
from typer.testing import CliRunner

from api.cli.commands import app

SECRET = "cli-test-secret-" + "x" * 32


def test_token_mints_a_token_for_the_given_org_and_user() -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    env = {"APP_ENV": "development", "JWT_SECRET": SECRET}
    result = CliRunner().invoke(app, ["token", "--org", str(org), "--user", str(user)], env=env)
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), SECRET, algorithms=["HS256"])
    assert (claims["org"], claims["sub"]) == (str(org), str(user))


def test_token_refuses_an_id_that_is_not_a_uuid() -> None:
    result = CliRunner().invoke(app, ["token", "--org", "acme", "--user", str(uuid.uuid4())])
    assert result.exit_code != 0
    assert "org" in result.output
