"""`referrals export` and `referrals import`: Partner Center's JSON Lines, both ways."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from db.access import Viewer
from db.demo import DEMO_ORGANIZATIONS, DemoOrganization, DemoSize, load_demo
from db.engine import Database, create_engine
from db.models import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralType,
)
from db.partner_center import to_partner_center
from db.referral_export import visible_referrals
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
    row_counts,
    run,
    write_lines,
)
from tests.conftest import START
from tests.helpers import Actor, Api

# Partner Center's own record of a referral (GET v1.0/engagements/referrals/{id}), fields we
# do not store included: the customer's team as one object, as Partner Center writes it.
PARTNER_CENTER_RECORD: dict[str, Any] = {
    "id": "0cecbaa3-4de0-4d7c-a221-36281c2efe46",
    "engagementId": "1352e03d-281b-49ef-acf5-0eb2b2dd3b13",
    "name": "Fourth Coffee - Teams rollout",
    "organizationId": "26a76e1f-bc4e-4718-8d76-a6c7ea3cef48",
    "createdDateTime": "2026-02-28T17:27:47.8754901Z",
    "updatedDateTime": "2026-03-07T06:29:18.8245671Z",
    "status": "Active",
    "substatus": "Accepted",
    "statusReason": None,
    "referralSource": None,
    "eTag": '"84001c9d-0000-0100-0000-6225a63e0000"',
    "direction": "Outgoing",
    "tags": [],
    "salesStage": "100",
    "customerProfile": {
        "name": "Fourth Coffee",
        "isMatchingComplete": True,
        "address": {
            "addressLine1": "1 Main Street",
            "addressLine2": "",
            "city": "Seattle",
            "state": "WA",
            "postalCode": "98101",
            "country": "US",
        },
        "team": {
            "firstName": "Laura",
            "lastName": "Test",
            "phoneNumber": "+14255550100",
            "email": "laura@fourthcoffee.example",
            "title": None,
        },
        "ids": [{"profileType": "Duns", "id": "123456789"}],
    },
    "details": {
        "notes": "Warm lead",
        "dealValue": 120000.5,
        "currency": "USD",
        "closingDateTime": "2027-02-25T00:00:00Z",
        "customerRequestedContact": None,
        "requirements": {
            "industries": [{"id": "Retail"}],
            "products": [{"id": "Microsoft Teams"}],
            "services": [],
            "solutions": [{"id": "SOL-2173-UYM", "name": "Modern work", "type": "Name"}],
            "offers": [],
        },
    },
    "team": [{"firstName": "Bobby", "lastName": "Hunter", "email": "bobby@partner.example"}],
    "links": {"self": {"uri": "https://api.partner.microsoft.com/v1.0/engagements/referrals/x"}},
}

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


def _unboxed(output: str) -> str:
    """Typer's error box, as one line of words."""
    return " ".join(output.replace("│", " ").split())


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


async def test_a_partner_center_record_imports_with_its_fields_and_notes(
    database_url: str, tmp_path: Path
) -> None:
    await add_demo_organization(database_url)
    path = write_lines(tmp_path / "pc.jsonl", PARTNER_CENTER_RECORD)
    result = await import_file(database_url, path, OWNER.id)
    assert result.exit_code == 0, result.output
    assert "1 created, 0 already present, 0 refused." in result.output
    assert (
        "Ignored read-only fields (an import assigns its own): createdDateTime (1), "
        "direction (1), eTag (1), engagementId (1), id (1), links (1), organizationId (1), "
        "team (1), updatedDateTime (1)." in result.output
    )
    assert (
        "Ignored fields this API does not store: customerProfile.ids (1), "
        "customerProfile.isMatchingComplete (1), salesStage (1)." in result.output
    )
    (record,) = await export(database_url, OWNER.id, tmp_path / "out.jsonl")
    assert record["status"] == "Active"
    assert record["substatus"] == "Accepted"
    assert record["referralSource"] == "PartnerLed"
    assert record["customerProfile"]["team"] == [
        {
            "firstName": "Laura",
            "lastName": "Test",
            "email": "laura@fourthcoffee.example",
            "phoneNumber": "+14255550100",
        }
    ]
    assert record["details"]["dealValue"] == 120000.5
    assert record["details"]["closingDateTime"] == "2027-02-25T00:00:00Z"
    assert record["details"]["requirements"]["solutions"] == [{"name": "Modern work"}]
    assert record["team"] == []  # no --as-user: the owner's participant has no user


async def test_refused_records_name_line_and_field_and_change_nothing(
    database_url: str, tmp_path: Path
) -> None:
    await add_demo_organization(database_url)
    bad_email = copy.deepcopy(PARTNER_CENTER_RECORD)
    bad_email["customerProfile"]["team"]["email"] = "not-an-email"
    lost_without_reason = copy.deepcopy(PARTNER_CENTER_RECORD)
    lost_without_reason.update(status="Closed", substatus="Lost", statusReason=None)
    bad_country = copy.deepcopy(PARTNER_CENTER_RECORD)
    bad_country["customerProfile"]["address"]["country"] = "Atlantis"
    bad_country["details"]["closingDateTime"] = "soon"
    path = write_lines(
        tmp_path / "mixed.jsonl",
        PARTNER_CENTER_RECORD,
        bad_email,
        "{not json",
        lost_without_reason,
        "",
        bad_country,
        ["a", "list"],
        {**PARTNER_CENTER_RECORD, "id": "another"},
    )
    result = await import_file(database_url, path, OWNER.id)
    assert result.exit_code == 1
    refused = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert refused == [
        "line 2: refused: customerProfile.team[0].email is not a valid email address: "
        "An email address must have an @-sign.",
        "line 3: refused: not a JSON object: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)",
        "line 4: refused: statusReason is required to mark a referral LOST.",
        "line 6: refused: details.closingDateTime must be a date-time like "
        "2027-03-31T00:00:00Z; customerProfile.address.country must be an ISO 3166-1 "
        "alpha-2 country code like 'US'",
        "line 7: refused: (record) must be a JSON object",
    ]
    assert "2 created, 0 already present, 5 refused." in result.output
    # Two referrals, each with its CREATED and one STATUS_CHANGED (to ACTIVE): nothing else.
    assert await row_counts(database_url) == (2, 4)


async def test_unknown_organization_or_user_is_refused_before_anything(
    database_url: str, tmp_path: Path
) -> None:
    await add_demo_organization(database_url)
    path = write_lines(tmp_path / "one.jsonl", PARTNER_CENTER_RECORD)
    stranger = "00000000-0000-0000-0000-00000000000a"
    result = await import_file(database_url, path, OWNER.id, "--as-user", stranger)
    assert result.exit_code == 2
    assert f"{stranger} is not a user of organization {OWNER.id}" in _unboxed(result.output)
    result = await asyncio.to_thread(
        run, database_url, "export", "--organization", stranger, "--output", "-"
    )
    assert result.exit_code == 2
    assert f"no organization {stranger}" in _unboxed(result.output)
    assert await row_counts(database_url) == (0, 0)


async def test_export_to_standard_output_is_json_lines_without_a_progress_bar(
    tmp_path: Path, sqlite_template: Path
) -> None:
    source = await demo_database(tmp_path, sqlite_template, referrals=12)
    result = await asyncio.to_thread(
        run, source, "export", "--organization", str(OWNER.id), "--output", "-"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    records = [json.loads(line) for line in lines]  # every line is a record, nothing else
    assert records
    assert all(r["organizationId"] == str(OWNER.id) for r in records)
    assert result.stderr == f"Exported {len(records)} referrals.\n"


async def test_importing_again_creates_nothing_and_reports_what_is_present(
    database_url: str, tmp_path: Path
) -> None:
    await add_demo_organization(database_url)
    keyed = {**copy.deepcopy(PARTNER_CENTER_RECORD), "externalReferenceId": "CRM-1"}
    # Without an externalReferenceId a record is known by its own ID where it came from.
    unkeyed = {**copy.deepcopy(PARTNER_CENTER_RECORD), "id": "pc-2", "externalReferenceId": ""}
    path = write_lines(tmp_path / "twice.jsonl", keyed, unkeyed)
    first = await import_file(database_url, path, OWNER.id)
    assert "2 created, 0 already present, 0 refused." in first.output
    counts = await row_counts(database_url)
    # The records changed in Partner Center since: still the same two referrals.
    keyed["name"] = unkeyed["name"] = "Renamed since"
    write_lines(path, keyed, unkeyed)
    again = await import_file(database_url, path, OWNER.id)
    assert again.exit_code == 0, again.output
    assert "0 created, 2 already present, 0 refused." in again.output
    assert [line.split(" as referral ")[0] for line in again.output.splitlines()[:2]] == [
        "line 1: already present",
        "line 2: already present",
    ]
    assert await row_counts(database_url) == counts
    records = await export(database_url, OWNER.id, tmp_path / "out.jsonl")
    assert [(r["name"], r["externalReferenceId"]) for r in records] == [
        (PARTNER_CENTER_RECORD["name"], "CRM-1"),
        (PARTNER_CENTER_RECORD["name"], None),
    ]


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


GRAPH_VIEW = """query ($after: String) { referrals(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id status substatus externalReferenceId
          customerProfile { contact { email phoneNumber } } } } }"""


@pytest.mark.parametrize("organization", DEMO_ORGANIZATIONS[:3], ids=lambda o: o.name)
async def test_an_export_shows_what_the_graph_shows_the_organization(
    api: Api, organization: DemoOrganization
) -> None:
    async with api.database.engine.begin() as conn:
        await load_demo(conn, now=START, size=DemoSize(referrals=60))
    actor = Actor(organization.id, organization.demo_user_id)
    seen: dict[str, Any] = {}
    after = None
    while True:
        page = (await api.query(GRAPH_VIEW, {"after": after}, actor=actor))["referrals"]
        seen |= {node["id"]: node for node in page["nodes"]}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    viewer = Viewer(organization.id, organization.demo_user_id, api.clock())
    exported = [
        to_partner_center(parts, organization.id)
        async for page in visible_referrals(api.database.engine, viewer)
        for parts in page
    ]
    assert {to_global_id("Referral", uuid.UUID(r["id"])) for r in exported} == set(seen)
    masked = 0
    for record in exported:
        node = seen[to_global_id("Referral", uuid.UUID(record["id"]))]
        contact = record["customerProfile"]["team"][0]
        assert (contact["email"], contact["phoneNumber"]) == (
            node["customerProfile"]["contact"]["email"],
            node["customerProfile"]["contact"]["phoneNumber"],
        )
        assert record["externalReferenceId"] == node["externalReferenceId"]
        assert record["substatus"].upper() == node["substatus"]
        masked += contact["email"] is None
    assert 0 < masked < len(exported)
