"""Schema change checks: what breaks frontends fails, deprecation first makes removal safe."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli.commands import app
from api.cli.schema_check import compare
from api.schema import schema_sdl

OLD = """
type Query {
  referral(id: ID!): Referral
  legacy: String @deprecated(reason: "Use referral.")
}
type Referral { id: ID! name: String! status: Status! }
enum Status { OPEN CLOSED GONE @deprecated(reason: "Never used.") }
"""


def test_removing_a_field_that_was_not_deprecated_is_breaking() -> None:
    report = compare(OLD, OLD.replace("name: String! ", ""))
    assert report.breaking == ["Field Referral.name was removed."]


def test_removing_after_deprecation_is_not_breaking() -> None:
    new = OLD.replace('legacy: String @deprecated(reason: "Use referral.")', "").replace(
        'GONE @deprecated(reason: "Never used.")', ""
    )
    report = compare(OLD, new)
    assert report.breaking == []
    assert len(report.dangerous) == 2
    assert all(change.endswith("(deprecated before)") for change in report.dangerous)


def test_changing_a_type_is_breaking_and_adding_is_safe_or_dangerous() -> None:
    changed = compare(OLD, OLD.replace("name: String!", "name: Int!"))
    assert changed.breaking == ["Field Referral.name changed type from String! to Int!."]
    added = compare(OLD, OLD.replace("status: Status!", "status: Status! owner: String"))
    assert (added.breaking, added.safe) == ([], ["Field Referral.owner was added."])
    value = compare(OLD, OLD.replace("OPEN CLOSED", "OPEN CLOSED WON"))
    assert (value.breaking, value.dangerous) == ([], ["Enum value Status.WON was added."])


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
