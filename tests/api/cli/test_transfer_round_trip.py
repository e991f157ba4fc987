"""`referrals export` then `referrals import`: a round trip reproduces every referral field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.access import Viewer
from db.engine import Database, create_engine
from db.models import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralType,
)
from db.validation import TargetValue
from db.values import (
    AdditionalInformationValue,
    AddressValue,
    ConsentValue,
    ContactValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralDraft,
)
from db.writes import change_status, create_referral
from tests.api.cli.transfer_support import (
    OWNER,
    add_demo_organization,
    demo_database,
    export,
    fresh_database,
    import_file,
)
from tests.conftest import START

# What an import assigns anew, so a round trip cannot reproduce it: the referral's own ID
# and timestamps (created and updated when the import writes it), and what depends on the
# importing organization's participation rather than on the referral: the import makes the
# organization the owner of its copy (direction Outgoing, no inviteContext, accepted at
# creation, no invitation to expire) worked by the --as-user (team).
ASSIGNED_BY_IMPORT = {
    "id",
    "createdDateTime",
    "updatedDateTime",
    "direction",
    "inviteContext",
    "acceptedDateTime",
    "expirationDateTime",
    "team",
}


def _masked(record: dict[str, Any]) -> bool:
    contact = record["customerProfile"]["team"][0]
    return contact["email"] is None


async def test_round_trip_of_demo_data_reproduces_every_referral_field(
    database_url: str, tmp_path: Path, sqlite_template: Path
) -> None:
    source = await demo_database(tmp_path, sqlite_template)
    first = await export(source, OWNER.id, tmp_path / "first.jsonl")
    await add_demo_organization(database_url)
    result = await import_file(
        database_url, tmp_path / "first.jsonl", OWNER.id, "--as-user", str(OWNER.demo_user_id)
    )
    # Refused: what the organization cannot create as its own, each with its line and why.
    expected_refusals = {}
    for number, record in enumerate(first, start=1):
        if record["substatus"] in ("Declined", "Expired"):
            expected_refusals[number] = f"line {number}: refused: substatus is "
        elif _masked(record):
            expected_refusals[number] = (
                f"line {number}: refused: customerProfile.team[0].email is required; "
                "customerProfile.team[0].phoneNumber is required"
            )
    assert expected_refusals, "the demo has invitations declined, lapsed and still open"
    refused = [line for line in result.output.splitlines() if " refused: " in line]
    assert len(refused) == len(expected_refusals)
    for line, start in zip(refused, expected_refusals.values(), strict=True):
        assert line.startswith(start), line
    assert result.exit_code == 1
    kept = [r for n, r in enumerate(first, start=1) if n not in expected_refusals]
    assert f"{len(kept)} created, 0 already present, {len(expected_refusals)} refused." in (
        result.output
    )
    assert {r["direction"] for r in kept} == {"Outgoing", "Incoming"}
    assert {r["substatus"] for r in kept} >= {"Pending", "Accepted", "Won", "Lost"}
    # What the round trip covers: Partner Center's fields, with and without values.
    profiles = [r["customerProfile"] for r in kept]
    assert {r["type"] for r in kept} == {"Independent", "Shared"}
    assert {r["qualification"] for r in kept} == {
        "None",
        "Direct",
        "MarketingQualified",
        "SalesQualified",
    }
    assert {r["externalReferenceId"] is None for r in kept} == {True, False}
    assert {bool(r["target"]) for r in kept} == {True, False}
    assert {v for r in kept for v in r["consent"].values()} == {True, False}
    assert {p["size"] is None for p in profiles} == {True, False}
    assert {p["address"]["region"] is None for p in profiles} == {True, False}
    assert {p["address"]["state"] is None for p in profiles} == {True, False}

    second = await export(database_url, OWNER.id, tmp_path / "second.jsonl")
    assert len(second) == len(kept)
    for before, after in zip(kept, second, strict=True):
        assert {k: v for k, v in after.items() if k not in ASSIGNED_BY_IMPORT} == {
            k: v for k, v in before.items() if k not in ASSIGNED_BY_IMPORT
        }
        assert after["direction"] == "Outgoing"
        assert after["team"] == [
            {"firstName": "Avery", "lastName": "Brooks", "email": OWNER.demo_user_email}
        ]
    # Again: each is known by its externalReferenceId, or else by its ID in the source.
    again = await import_file(database_url, tmp_path / "first.jsonl", OWNER.id)
    summary = f"0 created, {len(kept)} already present, {len(expected_refusals)} refused."
    assert summary in again.output


# Every field of ours, each set to a value other than its default.
EVERY_FIELD = ReferralDraft(
    name="Northwind - data platform",
    referral_source=ReferralSource.AGENT_LED,
    type=ReferralType.SHARED,
    qualification=ReferralQualification.MARKETING_QUALIFIED,
    external_reference_id="CRM-42",
    target=[TargetValue(id="SOL-34104-EBB", type="SolutionProfile"), TargetValue(id="T-2")],
    consent=ConsentValue(
        share_info_with_others=False, contact_customer=False, share_with_microsoft_sellers=True
    ),
    customer_profile=CustomerProfileValue(
        name="Northwind Traders",
        size=CustomerSize.SIZE_251_TO_1000,
        address=AddressValue(
            address_line1="Carl-Bosch-Str. 38",
            address_line2="Gebäude 4",
            city="Ludwigshafen am Rhein",
            state=None,  # Germany has no states
            postal_code="67063",
            country="DE",
            region="Rheinland-Pfalz",
        ),
        contact=ContactValue(
            first_name="Zoë",
            last_name="Müller",
            email="zoe@northwind.example",
            phone_number="+496216000",
        ),
    ),
    customer_requirements=CustomerRequirementsValue(
        industries=["Chemicals", "Manufacturing"],
        products=["Azure Synapse"],
        services=["Migration"],
        solutions="Data platform; lakehouse",
        customer_need="One view of\nproduction data",
    ),
    additional_information=AdditionalInformationValue(
        notes="Board approved\nbudget",
        deal_value=Decimal("9999999999999999.99"),
        currency="EUR",
        closing_date=date(2027, 6, 30),
    ),
)


async def test_round_trip_reproduces_every_field_we_have(
    database_url: str, tmp_path: Path, sqlite_template: Path
) -> None:
    source = await fresh_database(tmp_path, sqlite_template)
    await add_demo_organization(source)
    database = Database(create_engine(source))
    try:
        viewer = Viewer(OWNER.id, OWNER.demo_user_id, START)
        referral_id = await create_referral(database, viewer, EVERY_FIELD)
        await change_status(database, viewer, referral_id, ReferralStatus.ACTIVE)
        await change_status(database, viewer, referral_id, ReferralStatus.WON, reason="Signed")
    finally:
        await database.dispose()
    (first,) = await export(source, OWNER.id, tmp_path / "first.jsonl")
    assert first["consent"] == {
        "consentToToShareInfoWithOthers": False,
        "consentToContact": False,
        "consentToShareReferralWithMicrosoftSellers": True,
    }
    assert first["details"]["dealValue"] == 9999999999999999.99
    assert "9999999999999999.99" in (tmp_path / "first.jsonl").read_text()  # exact, no float
    await add_demo_organization(database_url)
    result = await import_file(
        database_url, tmp_path / "first.jsonl", OWNER.id, "--as-user", str(OWNER.demo_user_id)
    )
    assert result.exit_code == 0, result.output
    (second,) = await export(database_url, OWNER.id, tmp_path / "second.jsonl")
    assert second["id"] != first["id"]
    # Import writes now, not the source's instants: the only fields that differ.
    changed = {k for k in first if first[k] != second[k]}
    assert changed == {"id", "createdDateTime", "updatedDateTime", "acceptedDateTime"}
    assert second["substatus"] == "Won"
    assert second["statusReason"] == "Signed"
