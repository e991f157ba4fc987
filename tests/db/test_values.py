"""Drafts normalise into column values; a patch tells absent from cleared."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from db.models import ReferralQualification, ReferralSource, ReferralType
from db.validation import DEAL_VALUE_MAX, LIST_MAX_ITEMS, NAME_MAX, NOTES_MAX
from db.values import (
    UNSET,
    ReferralColumns,
    column_path,
    referral_columns,
)
from tests.db.drafts import (
    ADDRESS,
    CONTACT,
    DEFAULT_INFORMATION,
    DEFAULT_REQUIREMENTS,
    INFORMATION,
    REQUIREMENTS,
    Path,
    errors_of,
    full_draft,
    patch,
    with_value,
    without,
)

# --- create: a valid input normalises


def test_full_create_input_is_normalised() -> None:
    assert referral_columns(full_draft()) == ReferralColumns(
        referral={
            "name": "Contoso rollout",
            "referral_source": ReferralSource.PARTNER_LED,
            # Left out, the Partner Center fields read as before they existed.
            "qualification": ReferralQualification.NONE,
            "external_reference_id": None,
            "target": [],
            "type": ReferralType.INDEPENDENT,
            "consent_share_info_with_others": True,
            "consent_contact_customer": True,
            "consent_share_with_microsoft_sellers": False,
        },
        customer_profile={
            "name": "Contoso Ltd",
            "address_line1": "1 Main St",
            "address_line2": "Suite 5",
            "city": "Redmond",
            "state": "WA",
            "postal_code": "98052",
            "country": "US",
            "region": None,
            "contact_first_name": "Ann",
            "contact_last_name": "Lee",
            "contact_email": "Ann.Lee@contoso.com",
            "contact_phone_number": "+14255550100",
            "size": None,
        },
        customer_requirements={
            "industries": ["Retail", "Health"],
            "products": ["Azure"],
            "services": [],
            "solutions": "Cloud\r\nmigration\tplan",
            "customer_need": None,
        },
        additional_information={
            "notes": None,
            "deal_value": Decimal("10.50"),
            "currency": "EUR",
            "closing_date": date(2027, 1, 31),
        },
    )


@pytest.mark.parametrize("how", ["missing", "null"])
def test_create_without_optional_sections_gets_defaults(how: str) -> None:
    given = None if how == "null" else UNSET
    draft = dataclasses.replace(
        full_draft(), customer_requirements=given, additional_information=given
    )
    values = referral_columns(draft)
    assert values.customer_requirements == DEFAULT_REQUIREMENTS
    assert values.additional_information == DEFAULT_INFORMATION


def test_create_without_address_line2_stores_none() -> None:
    values = referral_columns(without((*ADDRESS, "address_line2")))
    assert values.customer_profile["address_line2"] is None


def test_create_with_null_lists_gets_empty_lists() -> None:
    data = with_value((*REQUIREMENTS, "industries"), None)
    assert referral_columns(data).customer_requirements["industries"] == []


@pytest.mark.parametrize(
    ("path", "given", "stored_column", "stored"),
    [
        ((*ADDRESS, "address_line2"), "  ", "address_line2", None),
        ((*REQUIREMENTS, "solutions"), "", "solutions", None),
        ((*REQUIREMENTS, "customer_need"), " \n ", "customer_need", None),
        ((*INFORMATION, "notes"), "a\r\nb\tc", "notes", "a\r\nb\tc"),
        ((*INFORMATION, "deal_value"), Decimal("1.500"), "deal_value", Decimal("1.50")),
        ((*INFORMATION, "deal_value"), Decimal("0"), "deal_value", Decimal("0.00")),
        ((*INFORMATION, "deal_value"), Decimal("1E+2"), "deal_value", Decimal("100.00")),
        ((*INFORMATION, "deal_value"), DEAL_VALUE_MAX, "deal_value", DEAL_VALUE_MAX),
        ((*CONTACT, "phone_number"), "+44 20 7946 0958", "contact_phone_number", "+442079460958"),
        ((*ADDRESS, "country"), " uS ", "country", "US"),
        ((*CONTACT, "email"), "x@Bücher.DE", "contact_email", "x@bücher.de"),
        ((*REQUIREMENTS, "products"), [" b ", "a", "b", "A"], "products", ["b", "a", "A"]),
    ],
)
def test_values_are_normalised(path: Path, given: Any, stored_column: str, stored: Any) -> None:
    values = referral_columns(with_value(path, given))
    tables = {
        "customer_profile": values.customer_profile,
        "customer_requirements": values.customer_requirements,
        "additional_information": values.additional_information,
    }
    assert tables[path[0]][stored_column] == stored


def test_negative_zero_is_stored_unsigned() -> None:
    values = referral_columns(with_value((*INFORMATION, "deal_value"), Decimal("-0")))
    assert not values.additional_information["deal_value"].is_signed()


def test_lengths_count_after_stripping() -> None:
    data = with_value(("name",), "  " + "x" * NAME_MAX + "\t")
    assert referral_columns(data).referral["name"] == "x" * NAME_MAX


@pytest.mark.parametrize(
    ("path", "at_limit", "over_limit", "message"),
    [
        (("name",), "x" * NAME_MAX, "x" * (NAME_MAX + 1), "must be at most 200 characters"),
        (
            (*REQUIREMENTS, "industries"),
            [f"i{n}" for n in range(LIST_MAX_ITEMS)],
            [f"i{n}" for n in range(LIST_MAX_ITEMS + 1)],
            "must have at most 20 items",
        ),
        (
            (*INFORMATION, "notes"),
            "n" * NOTES_MAX,
            "n" * (NOTES_MAX + 1),
            "must be at most 4000 characters",
        ),
    ],
)
def test_limits_at_the_edge(path: Path, at_limit: Any, over_limit: Any, message: str) -> None:
    referral_columns(with_value(path, at_limit))
    assert errors_of(with_value(path, over_limit)) == [(path, message)]


# --- absent and cleared, and where each column comes from


def test_a_patch_tells_absent_from_cleared() -> None:
    cleared = patch((*ADDRESS, "address_line2"), None)
    assert referral_columns(cleared).customer_profile == {"address_line2": None}
    absent = dataclasses.replace(cleared, name="New")
    absent = with_value((*ADDRESS, "address_line2"), UNSET, absent)
    assert referral_columns(absent).customer_profile == {}


@pytest.mark.parametrize(
    ("table", "column", "path"),
    [
        ("referral", "name", ("name",)),
        ("customer_profile", "name", ("customer_profile", "name")),
        ("customer_profile", "contact_phone_number", (*CONTACT, "phone_number")),
        ("customer_profile", "address_line1", (*ADDRESS, "address_line1")),
        ("customer_requirements", "customer_need", (*REQUIREMENTS, "customer_need")),
        ("additional_information", "deal_value", (*INFORMATION, "deal_value")),
    ],
)
def test_column_path_names_the_field_that_sets_a_column(
    table: str, column: str, path: Path
) -> None:
    assert column_path(table, column) == path
