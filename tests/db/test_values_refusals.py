"""Drafts: every rule refuses at its Python path, every problem at once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from db.validation import DEAL_VALUE_MAX
from db.values import (
    UNSET,
    CustomerProfileValue,
    ReferralDraft,
    ReferralPatch,
    referral_columns,
)
from tests.db.drafts import (
    ADDRESS,
    CONTACT,
    INFORMATION,
    MULTILINE,
    PHONE_MESSAGE,
    REQUIRED_ON_CREATE,
    REQUIREMENTS,
    SINGLE_LINE,
    Path,
    errors_of,
    with_value,
    without,
)

# --- create: each rule refuses at its path


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("name",), "   ", "must not be blank"),
        (("name",), "a\x00b", SINGLE_LINE),
        (("name",), "a\nb", SINGLE_LINE),
        (("name",), "a\x7fb", SINGLE_LINE),
        (("name",), "a\ud800b", "must be valid Unicode text"),
        (("name",), 5, "must be text"),
        (
            ("referral_source",),
            "PARTNER_LED",
            "must be one of WEB_DIRECT, PARTNER_LED, AGENT_LED, P2P",
        ),
        (("customer_profile",), "Contoso", "must be an object"),
        (("customer_profile", "name"), "c" * 201, "must be at most 200 characters"),
        ((*ADDRESS, "address_line1"), "a" * 201, "must be at most 200 characters"),
        ((*ADDRESS, "address_line2"), "a" * 201, "must be at most 200 characters"),
        ((*ADDRESS, "address_line2"), "Suite\x005", SINGLE_LINE),
        ((*ADDRESS, "city"), "c" * 101, "must be at most 100 characters"),
        ((*ADDRESS, "state"), "s" * 101, "must be at most 100 characters"),
        ((*ADDRESS, "postal_code"), "9" * 21, "must be at most 20 characters"),
        ((*ADDRESS, "country"), "USA", "must be an ISO 3166-1 alpha-2 country code like 'US'"),
        ((*ADDRESS, "country"), "ZZ", "must be an ISO 3166-1 alpha-2 country code like 'US'"),
        ((*CONTACT, "first_name"), "f" * 101, "must be at most 100 characters"),
        ((*CONTACT, "last_name"), "l" * 101, "must be at most 100 characters"),
        ((*CONTACT, "email"), "a" * 250 + "@x.com", "must be at most 254 characters"),
        ((*CONTACT, "email"), "ann@lee@x.com\x00", SINGLE_LINE),
        ((*CONTACT, "phone_number"), "12345", PHONE_MESSAGE),
        ((*CONTACT, "phone_number"), "call me", PHONE_MESSAGE),
        (
            (*CONTACT, "phone_number"),
            "+1 425 555 0100 ext. 12",
            "must be a phone number without an extension, e.g. +14255550100",
        ),
        ((*REQUIREMENTS, "services"), "Azure", "must be a list of text"),
        ((*REQUIREMENTS, "solutions"), "s" * 1001, "must be at most 1000 characters"),
        ((*REQUIREMENTS, "solutions"), "a\x1bb", MULTILINE),
        ((*REQUIREMENTS, "customer_need"), "n" * 2001, "must be at most 2000 characters"),
        ((*REQUIREMENTS, "customer_need"), "a\x00b", MULTILINE),
        ((*INFORMATION, "notes"), "bell\x07", MULTILINE),
        ((*INFORMATION, "deal_value"), Decimal("-0.01"), "must not be negative"),
        ((*INFORMATION, "deal_value"), Decimal("NaN"), "must be a finite number"),
        ((*INFORMATION, "deal_value"), Decimal("sNaN"), "must be a finite number"),
        ((*INFORMATION, "deal_value"), Decimal("Infinity"), "must be a finite number"),
        ((*INFORMATION, "deal_value"), 1.5, "must be a decimal number"),
        ((*INFORMATION, "deal_value"), "10", "must be a decimal number"),
        ((*INFORMATION, "deal_value"), Decimal("1.505"), "must have at most 2 decimal places"),
        (
            (*INFORMATION, "deal_value"),
            DEAL_VALUE_MAX + Decimal("0.01"),
            "must be at most 9999999999999999.99",
        ),
        ((*INFORMATION, "deal_value"), Decimal("1E+30"), "must be at most 9999999999999999.99"),
        ((*INFORMATION, "currency"), "EURO", "must be an ISO 4217 currency code like 'USD'"),
        ((*INFORMATION, "currency"), "QQQ", "must be an ISO 4217 currency code like 'USD'"),
        ((*INFORMATION, "closing_date"), datetime(2027, 1, 31), "must be a date"),
        ((*INFORMATION, "closing_date"), "2027-01-31", "must be a date"),
    ],
)
def test_rule_refuses_at_its_path(path: Path, value: Any, message: str) -> None:
    # A refused country leaves the national phone number without a region; the caller's helps.
    assert errors_of(with_value(path, value), phone_region="US") == [(path, message)]


@pytest.mark.parametrize(
    ("of", "field"),
    [(CustomerProfileValue, "fax"), (ReferralDraft, "unknown"), (ReferralPatch, "unknown")],
)
def test_a_field_that_is_not_known_is_refused(of: type, field: str) -> None:
    # A typed value has no place for an unknown field: it cannot be dropped silently.
    with pytest.raises(TypeError, match=field):
        of(**{field: "123"})


@pytest.mark.parametrize("value", ["not-an-email", "ann@", "ann@localhost", "a b@x.com"])
def test_invalid_email_is_refused(value: str) -> None:
    [(field, message)] = errors_of(with_value((*CONTACT, "email"), value))
    assert field == (*CONTACT, "email")
    assert message.startswith("is not a valid email address")


@pytest.mark.parametrize(
    ("items", "index", "message"),
    [
        (["ok", "  "], "1", "must not be blank"),
        (["p" * 101], "0", "must be at most 100 characters"),
        (["a", "b", "c", "d\ne"], "3", SINGLE_LINE),
        # Duplicates are dropped after checking: the index is the caller's, not the deduplicated.
        (["a", "a", "  "], "2", "must not be blank"),
        (["a", None], "1", "is required"),
        ([7], "0", "must be text"),
    ],
)
def test_list_item_is_refused_at_its_index(items: list[Any], index: str, message: str) -> None:
    path = (*REQUIREMENTS, "products")
    assert errors_of(with_value(path, items)) == [((*path, index), message)]


@pytest.mark.parametrize("path", REQUIRED_ON_CREATE)
def test_required_field_missing_on_create(path: Path) -> None:
    # Without a country the phone has no region; give it one so only the missing field shows.
    assert errors_of(without(path), phone_region="US") == [(path, "is required")]
    assert errors_of(with_value(path, None), phone_region="US") == [(path, "is required")]


@pytest.mark.parametrize("currency", [None, "  "])
def test_deal_value_needs_a_currency_on_create(currency: str | None) -> None:
    data = with_value((*INFORMATION, "currency"), currency)
    expected = [((*INFORMATION, "currency"), "is required when dealValue is set")]
    assert errors_of(data) == expected
    data = without((*INFORMATION, "currency"))
    assert errors_of(data) == expected


def test_currency_without_deal_value_is_fine() -> None:
    data = with_value((*INFORMATION, "deal_value"), None)
    values = referral_columns(data).additional_information
    assert (values["deal_value"], values["currency"]) == (None, "EUR")


def test_all_errors_of_an_input_are_reported_in_input_order() -> None:
    data = with_value(("name",), "")
    data = with_value((*ADDRESS, "country"), "XX", data)
    data = with_value((*CONTACT, "email"), "nope", data)
    data = with_value((*REQUIREMENTS, "industries"), ["", "ok", "x" * 101], data)
    data = with_value((*INFORMATION, "deal_value"), Decimal("-1"), data)
    data = with_value(("referral_source",), UNSET, data)
    fields = [field for field, _ in errors_of(data)]
    assert fields == [
        ("name",),
        ("referral_source",),
        (*ADDRESS, "country"),
        (*CONTACT, "email"),
        # No country to read it by, and no '+': the phone is refused too.
        (*CONTACT, "phone_number"),
        (*REQUIREMENTS, "industries", "0"),
        (*REQUIREMENTS, "industries", "2"),
        (*INFORMATION, "deal_value"),
    ]


def test_input_that_is_not_an_object_is_refused() -> None:
    assert errors_of(["name"]) == [((), "must be an object")]
