"""`referrals schema`: export the SDL, check it against a committed one, validate documents."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli.commands import app
from api.schema import schema_sdl

SECRET = "cli-test-secret-" + "x" * 32


def test_schema_export_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    result = CliRunner().invoke(app, ["schema", "export", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text() == schema_sdl()


def test_cli_fails_on_breaking_changes_unless_allowed(tmp_path: Path) -> None:
    old = tmp_path / "old.graphql"
    old.write_text(schema_sdl().replace("type Query {", "type Query {\n  gone: Int\n", 1))
    runner = CliRunner()
    failed = runner.invoke(app, ["schema", "check", "--against", str(old)])
    assert failed.exit_code == 1
    assert "breaking: Field Query.gone was removed." in failed.output
    allowed = runner.invoke(app, ["schema", "check", "--against", str(old), "--allow-breaking"])
    assert allowed.exit_code == 0
    same = tmp_path / "same.graphql"
    same.write_text(schema_sdl())
    clean = runner.invoke(app, ["schema", "check", "--against", str(same)])
    assert clean.exit_code == 0
    assert "0 breaking, 0 dangerous, 0 safe changes" in clean.output


def test_validate_locates_problems_by_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "Good.graphql"
    good.write_text("query Good { referrals(first: 5) { totalCount } }\n")
    bad = tmp_path / "Bad.graphql"
    bad.write_text("query Bad {\n  referrals { nope }\n}\n")
    broken = tmp_path / "Broken.graphql"
    broken.write_text("query {")
    result = CliRunner().invoke(app, ["schema", "validate", str(good), str(bad), str(broken)])
    assert result.exit_code == 1
    assert f"{bad}:2:15: Cannot query field 'nope' on type 'ReferralConnection'." in result.output
    assert f"{broken}:1:8: Syntax Error" in result.output
    assert "3 documents, 2 problems." in result.output
