"""`referrals import` of Partner Center's JSON Lines: what it takes, notes, refuses and skips."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from tests.api.cli.transfer_support import (
    OWNER,
    add_demo_organization,
    export,
    import_file,
    row_counts,
    run,
    write_lines,
)

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


def _unboxed(output: str) -> str:
    """Typer's error box, as one line of words."""
    return " ".join(output.replace("│", " ").split())


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
