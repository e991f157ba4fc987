"""Schema change checks: what breaks frontends fails, deprecation first makes removal safe."""

from __future__ import annotations

from api.cli.schema_check import compare

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
