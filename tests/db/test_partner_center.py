"""Partner Center's Referral JSON read into our draft, and the names refusals give."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from db.models import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralType,
)
from db.partner_center import (
    FormatRefusal,
    dumps,
    from_partner_center,
    loads,
    partner_center_path,
)
from db.validation import TargetValue

S = ReferralStatus


def _record(**fields: Any) -> dict[str, Any]:
    return {"name": "Lead", **fields}


@pytest.mark.parametrize(
    ("status", "substatus", "expected"),
    [
        (None, None, S.PENDING),
        ("New", None, S.PENDING),
        ("Active", None, S.ACTIVE),
        ("New", "Pending", S.PENDING),
        ("New", "Received", S.PENDING),
        ("Active", "Accepted", S.ACTIVE),
        ("Active", "Engaged", S.ACTIVE),
        ("Closed", "Won", S.WON),
        (None, "Lost", S.LOST),
    ],
)
def test_status_and_substatus_name_the_status_to_reach(
    status: str | None, substatus: str | None, expected: ReferralStatus
) -> None:
    assert from_partner_center(_record(status=status, substatus=substatus)).status is expected


@pytest.mark.parametrize(
    ("status", "substatus", "error"),
    [
        ("Closed", None, ("substatus", "is required for a Closed referral: Won or Lost")),
        ("Open", None, ("status", "must be one of New, Active, Closed")),
        ("Active", "Won", ("status", "is Active, but substatus Won is Closed")),
        (
            None,
            "Someday",
            (
                "substatus",
                "must be one of Pending, Received, Accepted, Engaged, "
                "Won, Lost, Declined, Expired, Error",
            ),
        ),
        (
            "Closed",
            "Declined",
            (
                "substatus",
                "is Declined: another organization's referral that yours did not take; only "
                "referrals your organization works are imported",
            ),
        ),
    ],
)
def test_statuses_that_name_nothing_to_create_are_refused(
    status: str | None, substatus: str | None, error: tuple[str, str]
) -> None:
    with pytest.raises(FormatRefusal) as refused:
        from_partner_center(_record(status=status, substatus=substatus))
    # First the format, then (here) the customer profile the bare record lacks.
    assert refused.value.errors == [error, ("customerProfile", "is required")]


def test_partner_center_spellings_become_our_values() -> None:
    record = from_partner_center(
        _record(
            referralSource="agentled",
            type="Shared",
            qualification="SalesQualified",
            target=[{"type": "SolutionProfile", "id": "SOL-1"}],
            consent={"consentToShareInfoWithOthers": False, "consentToContact": True},
            customerProfile={
                "name": "Fourth Coffee",
                "size": "MoreThan500Employees",
                "address": {"country": "DE", "region": "Bayern"},
                "team": [{"firstName": "Ann", "email": "a@x.example"}, {"firstName": "Bo"}],
            },
            details={
                "dealValue": 12,
                "closingDateTime": "2027-03-31T23:30:00-02:00",
                "requirements": {
                    "industries": [{"id": "Retail"}, "Health"],
                    "solutions": [{"id": "SOL-1", "name": "Modern work"}, {"id": "SOL-2"}],
                },
            },
        )
    )
    draft = record.draft
    assert draft.referral_source is ReferralSource.AGENT_LED
    assert draft.type is ReferralType.SHARED
    assert draft.qualification is ReferralQualification.SALES_QUALIFIED
    assert draft.target == [TargetValue(id="SOL-1", type="SolutionProfile")]
    consent: Any = draft.consent
    assert (consent.share_info_with_others, consent.contact_customer) == (False, True)
    assert consent.share_with_microsoft_sellers is None  # left out: its default
    profile: Any = draft.customer_profile
    assert profile.size is CustomerSize.SIZE_MORE_THAN_500
    assert profile.address.region == "Bayern"
    assert (profile.contact.first_name, profile.contact.email) == ("Ann", "a@x.example")
    information: Any = draft.additional_information
    assert information.deal_value == Decimal(12)
    assert information.closing_date == date(2027, 4, 1)  # its day in UTC
    requirements: Any = draft.customer_requirements
    assert requirements.industries == ["Retail", "Health"]
    assert requirements.solutions == "Modern work; SOL-2"
    assert record.not_stored == ["customerProfile.team[1:]"]


def test_a_record_without_a_source_is_a_partners_own_lead() -> None:
    assert from_partner_center(_record()).draft.referral_source is ReferralSource.PARTNER_LED


def test_a_format_refusal_names_the_values_problems_too() -> None:
    with pytest.raises(FormatRefusal) as refused:
        from_partner_center(
            _record(
                name="",
                type="Solo",
                customerProfile={"name": "X", "size": "huge", "address": {}, "team": []},
            )
        )
    assert refused.value.errors[:2] == [
        ("type", "must be one of Independent, Shared"),
        (
            "customerProfile.size",
            "must be one of 1to50employees, 51to500employees, Morethan500employees, "
            "1to9employees, 10to50employees, 51to250employees, 251to1000employees, "
            "1001to5000employees, 5001to10000employees, 10001to20000employees, "
            "Morethan20000employees",
        ),
    ]
    assert ("name", "must not be blank") in refused.value.errors
    assert ("customerProfile.team[0]", "is required") in refused.value.errors


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("customer_profile", "contact", "phone_number"), "customerProfile.team[0].phoneNumber"),
        (("customer_profile", "address", "postal_code"), "customerProfile.address.postalCode"),
        (("customer_requirements", "products", "3"), "details.requirements.products[3]"),
        (("additional_information", "closing_date"), "details.closingDateTime"),
        (("consent", "share_info_with_others"), "consent.consentToToShareInfoWithOthers"),
        (("target", "1", "type"), "target[1].type"),
        (("external_reference_id",), "externalReferenceId"),
        ((), "(record)"),
    ],
)
def test_refusals_name_the_field_as_the_record_spells_it(path: tuple[str, ...], named: str) -> None:
    assert partner_center_path(path) == named


def test_amounts_are_exact_both_ways() -> None:
    line = dumps({"details": {"dealValue": Decimal("9999999999999999.99"), "notes": "Café"}})
    assert line == '{"details":{"dealValue":9999999999999999.99,"notes":"Café"}}'
    assert loads(line)["details"]["dealValue"] == Decimal("9999999999999999.99")
