"""Patches hold only what they give and cannot clear what is required; phones by region."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.values import (
    AdditionalInformationValue,
    AddressValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralColumns,
    ReferralPatch,
    referral_columns,
)
from tests.db.drafts import (
    ADDRESS,
    CONTACT,
    DEFAULT_INFORMATION,
    DEFAULT_REQUIREMENTS,
    INFORMATION,
    PHONE_MESSAGE,
    REQUIRED_ON_CREATE,
    REQUIREMENTS,
    Path,
    errors_of,
    patch,
    with_value,
)

# --- phone regions


@pytest.mark.parametrize(
    ("country", "phone_region", "phone", "stored"),
    [
        ("GB", "US", "020 7946 0958", "+442079460958"),  # the input's own country wins
        ("US", None, "425-555-0100", "+14255550100"),
        ("US", None, "+44 20 7946 0958", "+442079460958"),  # '+' overrides the region
    ],
)
def test_phone_is_read_by_the_input_country(
    country: str, phone_region: str | None, phone: str, stored: str
) -> None:
    data = with_value((*ADDRESS, "country"), country)
    data = with_value((*CONTACT, "phone_number"), phone, data)
    values = referral_columns(data, phone_region=phone_region)
    assert values.customer_profile["contact_phone_number"] == stored


def test_phone_uses_the_caller_region_when_the_input_has_no_country() -> None:
    data = patch((*CONTACT, "phone_number"), "(425) 555-0100")
    values = referral_columns(data, phone_region="us")
    assert values.customer_profile == {"contact_phone_number": "+14255550100"}


def test_phone_without_any_region_needs_a_plus() -> None:
    data = patch((*CONTACT, "phone_number"), "(425) 555-0100")
    assert errors_of(data) == [((*CONTACT, "phone_number"), PHONE_MESSAGE)]
    data = patch((*CONTACT, "phone_number"), "+1 425 555 0100")
    values = referral_columns(data)
    assert values.customer_profile == {"contact_phone_number": "+14255550100"}


# --- partial updates


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ReferralPatch(name=" New "), ReferralColumns({"name": "New"}, {}, {}, {})),
        (
            ReferralPatch(
                customer_profile=CustomerProfileValue(
                    address=AddressValue(address_line2=None, city="Paris")
                )
            ),
            ReferralColumns({}, {"address_line2": None, "city": "Paris"}, {}, {}),
        ),
        (
            ReferralPatch(
                customer_requirements=CustomerRequirementsValue(products=None, customer_need=None)
            ),
            ReferralColumns({}, {}, {"products": [], "customer_need": None}, {}),
        ),
        (
            patch((*REQUIREMENTS, "solutions"), "  "),
            ReferralColumns({}, {}, {"solutions": None}, {}),
        ),
        (
            patch((*INFORMATION, "deal_value"), Decimal("5")),
            ReferralColumns({}, {}, {}, {"deal_value": Decimal("5.00")}),
        ),
        (
            ReferralPatch(additional_information=None),
            ReferralColumns({}, {}, {}, DEFAULT_INFORMATION),
        ),
        (
            ReferralPatch(customer_requirements=None),
            ReferralColumns({}, {}, DEFAULT_REQUIREMENTS, {}),
        ),
    ],
)
def test_partial_update_holds_only_given_keys(
    data: ReferralPatch, expected: ReferralColumns
) -> None:
    assert referral_columns(data) == expected


@pytest.mark.parametrize("path", REQUIRED_ON_CREATE)
def test_partial_update_cannot_clear_a_required_field(path: Path) -> None:
    assert errors_of(patch(path, None)) == [(path, "cannot be cleared")]


def test_partial_update_refuses_blank_required_text() -> None:
    assert errors_of(ReferralPatch(name=" ")) == [(("name",), "must not be blank")]


def test_partial_update_clearing_currency_of_a_new_deal_value_is_refused() -> None:
    data = ReferralPatch(
        additional_information=AdditionalInformationValue(deal_value=Decimal("5"), currency=None)
    )
    assert errors_of(data) == [((*INFORMATION, "currency"), "is required when dealValue is set")]


@pytest.mark.parametrize(
    "data",
    [
        ReferralPatch(),
        ReferralPatch(customer_profile=CustomerProfileValue()),
        ReferralPatch(customer_profile=CustomerProfileValue(address=AddressValue())),
    ],
)
def test_partial_update_with_nothing_in_it_is_refused(data: ReferralPatch) -> None:
    assert errors_of(data) == [((), "Nothing to update: give at least one field.")]


def test_partial_update_reports_its_own_errors_not_nothing_to_update() -> None:
    assert errors_of(ReferralPatch(name="x" * 201)) == [
        (("name",), "must be at most 200 characters")
    ]
