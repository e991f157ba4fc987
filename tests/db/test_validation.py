"""Write-input validation: every rule refuses at the right path, and good input is normalised."""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from db.models import ReferralSource
from db.refusals import FieldError, InvalidInput
from db.validation import (
    DEAL_VALUE_MAX,
    LIST_MAX_ITEMS,
    NAME_MAX,
    NOTES_MAX,
    ReferralValues,
    idempotency_key,
    referral_values,
    text,
)

Path = tuple[str, ...]

ADDRESS: Path = ("customerProfile", "address")
CONTACT: Path = ("customerProfile", "contact")
REQUIREMENTS: Path = ("customerRequirements",)
INFORMATION: Path = ("additionalInformation",)

PHONE_MESSAGE = "must be a valid phone number; use international format, e.g. +14255550100"
SINGLE_LINE = "must be a single line without control characters"
MULTILINE = "must not contain control characters other than line breaks"


def full_input() -> dict[str, Any]:
    return {
        "name": "  Contoso rollout ",
        "referralSource": ReferralSource.PARTNER_LED,
        "customerProfile": {
            "name": "Contoso Ltd",
            "address": {
                "addressLine1": "1 Main St",
                "addressLine2": "Suite 5",
                "city": "Redmond",
                "state": "WA",
                "postalCode": "98052",
                "country": "us",
            },
            "contact": {
                "firstName": "Ann",
                "lastName": "Lee",
                "email": "Ann.Lee@CONTOSO.com",
                "phoneNumber": "(425) 555-0100",
            },
        },
        "customerRequirements": {
            "industries": ["Retail", " Retail ", "Health"],
            "products": ["Azure"],
            "services": [],
            "solutions": "Cloud\r\nmigration\tplan",
            "customerNeed": None,
        },
        "additionalInformation": {
            "notes": "   ",
            "dealValue": Decimal("10.5"),
            "currency": "eur",
            "closingDate": date(2027, 1, 31),
        },
    }


def with_value(path: Path, value: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(full_input() if data is None else data)
    parent = data
    for key in path[:-1]:
        parent = parent.setdefault(key, {})
    parent[path[-1]] = value
    return data


def without(path: Path) -> dict[str, Any]:
    data = full_input()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return data


def errors_of(data: Any, *, partial: bool = False, phone_region: str | None = None) -> list[Any]:
    with pytest.raises(InvalidInput) as raised:
        referral_values(data, partial=partial, phone_region=phone_region)
    return [(error.field, error.message) for error in raised.value.errors]


# --- create: a valid input normalises


def test_full_create_input_is_normalised() -> None:
    assert referral_values(full_input(), partial=False) == ReferralValues(
        referral={"name": "Contoso rollout", "referral_source": ReferralSource.PARTNER_LED},
        customer_profile={
            "name": "Contoso Ltd",
            "address_line1": "1 Main St",
            "address_line2": "Suite 5",
            "city": "Redmond",
            "state": "WA",
            "postal_code": "98052",
            "country": "US",
            "contact_first_name": "Ann",
            "contact_last_name": "Lee",
            "contact_email": "Ann.Lee@contoso.com",
            "contact_phone_number": "+14255550100",
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


DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "industries": [],
    "products": [],
    "services": [],
    "solutions": None,
    "customer_need": None,
}
DEFAULT_INFORMATION: dict[str, Any] = {
    "notes": None,
    "deal_value": None,
    "currency": None,
    "closing_date": None,
}


@pytest.mark.parametrize("how", ["missing", "null"])
def test_create_without_optional_sections_gets_defaults(how: str) -> None:
    data = full_input()
    for section in ("customerRequirements", "additionalInformation"):
        if how == "null":
            data[section] = None
        else:
            del data[section]
    values = referral_values(data, partial=False)
    assert values.customer_requirements == DEFAULT_REQUIREMENTS
    assert values.additional_information == DEFAULT_INFORMATION


def test_create_without_address_line2_stores_none() -> None:
    values = referral_values(without((*ADDRESS, "addressLine2")), partial=False)
    assert values.customer_profile["address_line2"] is None


def test_create_with_null_lists_gets_empty_lists() -> None:
    data = with_value((*REQUIREMENTS, "industries"), None)
    assert referral_values(data, partial=False).customer_requirements["industries"] == []


@pytest.mark.parametrize(
    ("path", "given", "stored_column", "stored"),
    [
        ((*ADDRESS, "addressLine2"), "  ", "address_line2", None),
        ((*REQUIREMENTS, "solutions"), "", "solutions", None),
        ((*REQUIREMENTS, "customerNeed"), " \n ", "customer_need", None),
        ((*INFORMATION, "notes"), "a\r\nb\tc", "notes", "a\r\nb\tc"),
        ((*INFORMATION, "dealValue"), Decimal("1.500"), "deal_value", Decimal("1.50")),
        ((*INFORMATION, "dealValue"), Decimal("0"), "deal_value", Decimal("0.00")),
        ((*INFORMATION, "dealValue"), Decimal("1E+2"), "deal_value", Decimal("100.00")),
        ((*INFORMATION, "dealValue"), DEAL_VALUE_MAX, "deal_value", DEAL_VALUE_MAX),
        ((*CONTACT, "phoneNumber"), "+44 20 7946 0958", "contact_phone_number", "+442079460958"),
        ((*ADDRESS, "country"), " uS ", "country", "US"),
        ((*CONTACT, "email"), "x@Bücher.DE", "contact_email", "x@bücher.de"),
        ((*REQUIREMENTS, "products"), [" b ", "a", "b", "A"], "products", ["b", "a", "A"]),
    ],
)
def test_values_are_normalised(path: Path, given: Any, stored_column: str, stored: Any) -> None:
    values = referral_values(with_value(path, given), partial=False)
    tables = {
        "customerProfile": values.customer_profile,
        "customerRequirements": values.customer_requirements,
        "additionalInformation": values.additional_information,
    }
    assert tables[path[0]][stored_column] == stored


def test_negative_zero_is_stored_unsigned() -> None:
    values = referral_values(with_value((*INFORMATION, "dealValue"), Decimal("-0")), partial=False)
    assert not values.additional_information["deal_value"].is_signed()


def test_lengths_count_after_stripping() -> None:
    data = with_value(("name",), "  " + "x" * NAME_MAX + "\t")
    assert referral_values(data, partial=False).referral["name"] == "x" * NAME_MAX


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
    referral_values(with_value(path, at_limit), partial=False)
    assert errors_of(with_value(path, over_limit)) == [(path, message)]


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
            ("referralSource",),
            "PARTNER_LED",
            "must be one of WEB_DIRECT, PARTNER_LED, AGENT_LED, P2P",
        ),
        (("customerProfile",), "Contoso", "must be an object"),
        (("customerProfile", "name"), "c" * 201, "must be at most 200 characters"),
        (("customerProfile", "fax"), "123", "is not a known field"),
        (("unknown",), 1, "is not a known field"),
        ((*ADDRESS, "addressLine1"), "a" * 201, "must be at most 200 characters"),
        ((*ADDRESS, "addressLine2"), "a" * 201, "must be at most 200 characters"),
        ((*ADDRESS, "addressLine2"), "Suite\x005", SINGLE_LINE),
        ((*ADDRESS, "city"), "c" * 101, "must be at most 100 characters"),
        ((*ADDRESS, "state"), "s" * 101, "must be at most 100 characters"),
        ((*ADDRESS, "postalCode"), "9" * 21, "must be at most 20 characters"),
        ((*ADDRESS, "country"), "USA", "must be an ISO 3166-1 alpha-2 country code like 'US'"),
        ((*ADDRESS, "country"), "ZZ", "must be an ISO 3166-1 alpha-2 country code like 'US'"),
        ((*CONTACT, "firstName"), "f" * 101, "must be at most 100 characters"),
        ((*CONTACT, "lastName"), "l" * 101, "must be at most 100 characters"),
        ((*CONTACT, "email"), "a" * 250 + "@x.com", "must be at most 254 characters"),
        ((*CONTACT, "email"), "ann@lee@x.com\x00", SINGLE_LINE),
        ((*CONTACT, "phoneNumber"), "12345", PHONE_MESSAGE),
        ((*CONTACT, "phoneNumber"), "call me", PHONE_MESSAGE),
        (
            (*CONTACT, "phoneNumber"),
            "+1 425 555 0100 ext. 12",
            "must be a phone number without an extension, e.g. +14255550100",
        ),
        ((*REQUIREMENTS, "services"), "Azure", "must be a list of text"),
        ((*REQUIREMENTS, "solutions"), "s" * 1001, "must be at most 1000 characters"),
        ((*REQUIREMENTS, "solutions"), "a\x1bb", MULTILINE),
        ((*REQUIREMENTS, "customerNeed"), "n" * 2001, "must be at most 2000 characters"),
        ((*REQUIREMENTS, "customerNeed"), "a\x00b", MULTILINE),
        ((*INFORMATION, "notes"), "bell\x07", MULTILINE),
        ((*INFORMATION, "dealValue"), Decimal("-0.01"), "must not be negative"),
        ((*INFORMATION, "dealValue"), Decimal("NaN"), "must be a finite number"),
        ((*INFORMATION, "dealValue"), Decimal("sNaN"), "must be a finite number"),
        ((*INFORMATION, "dealValue"), Decimal("Infinity"), "must be a finite number"),
        ((*INFORMATION, "dealValue"), 1.5, "must be a decimal number"),
        ((*INFORMATION, "dealValue"), "10", "must be a decimal number"),
        ((*INFORMATION, "dealValue"), Decimal("1.505"), "must have at most 2 decimal places"),
        (
            (*INFORMATION, "dealValue"),
            DEAL_VALUE_MAX + Decimal("0.01"),
            "must be at most 9999999999999999.99",
        ),
        ((*INFORMATION, "dealValue"), Decimal("1E+30"), "must be at most 9999999999999999.99"),
        ((*INFORMATION, "currency"), "EURO", "must be an ISO 4217 currency code like 'USD'"),
        ((*INFORMATION, "currency"), "QQQ", "must be an ISO 4217 currency code like 'USD'"),
        ((*INFORMATION, "closingDate"), datetime(2027, 1, 31), "must be a date"),
        ((*INFORMATION, "closingDate"), "2027-01-31", "must be a date"),
    ],
)
def test_rule_refuses_at_its_path(path: Path, value: Any, message: str) -> None:
    # A refused country leaves the national phone number without a region; the caller's helps.
    assert errors_of(with_value(path, value), phone_region="US") == [(path, message)]


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


REQUIRED_ON_CREATE: list[Path] = [
    ("name",),
    ("referralSource",),
    ("customerProfile",),
    ("customerProfile", "name"),
    ADDRESS,
    (*ADDRESS, "addressLine1"),
    (*ADDRESS, "city"),
    (*ADDRESS, "state"),
    (*ADDRESS, "postalCode"),
    (*ADDRESS, "country"),
    CONTACT,
    (*CONTACT, "firstName"),
    (*CONTACT, "lastName"),
    (*CONTACT, "email"),
    (*CONTACT, "phoneNumber"),
]


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
    data = with_value((*INFORMATION, "dealValue"), None)
    values = referral_values(data, partial=False).additional_information
    assert (values["deal_value"], values["currency"]) == (None, "EUR")


def test_all_errors_of_an_input_are_reported_in_input_order() -> None:
    data = with_value(("name",), "")
    data = with_value((*ADDRESS, "country"), "XX", data)
    data = with_value((*CONTACT, "email"), "nope", data)
    data = with_value((*REQUIREMENTS, "industries"), ["", "ok", "x" * 101], data)
    data = with_value((*INFORMATION, "dealValue"), Decimal("-1"), data)
    del data["referralSource"]
    fields = [field for field, _ in errors_of(data)]
    assert fields == [
        ("name",),
        ("referralSource",),
        (*ADDRESS, "country"),
        (*CONTACT, "email"),
        # No country to read it by, and no '+': the phone is refused too.
        (*CONTACT, "phoneNumber"),
        (*REQUIREMENTS, "industries", "0"),
        (*REQUIREMENTS, "industries", "2"),
        (*INFORMATION, "dealValue"),
    ]


def test_input_that_is_not_an_object_is_refused() -> None:
    assert errors_of(["name"]) == [((), "must be an object")]


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
    data = with_value((*CONTACT, "phoneNumber"), phone, data)
    values = referral_values(data, partial=False, phone_region=phone_region)
    assert values.customer_profile["contact_phone_number"] == stored


def test_phone_uses_the_caller_region_when_the_input_has_no_country() -> None:
    data = {"customerProfile": {"contact": {"phoneNumber": "(425) 555-0100"}}}
    values = referral_values(data, partial=True, phone_region="us")
    assert values.customer_profile == {"contact_phone_number": "+14255550100"}


def test_phone_without_any_region_needs_a_plus() -> None:
    data = {"customerProfile": {"contact": {"phoneNumber": "(425) 555-0100"}}}
    assert errors_of(data, partial=True) == [((*CONTACT, "phoneNumber"), PHONE_MESSAGE)]
    data = {"customerProfile": {"contact": {"phoneNumber": "+1 425 555 0100"}}}
    values = referral_values(data, partial=True)
    assert values.customer_profile == {"contact_phone_number": "+14255550100"}


# --- partial updates


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": " New "}, ReferralValues({"name": "New"}, {}, {}, {})),
        (
            {"customerProfile": {"address": {"addressLine2": None, "city": "Paris"}}},
            ReferralValues({}, {"address_line2": None, "city": "Paris"}, {}, {}),
        ),
        (
            {"customerRequirements": {"products": None, "customerNeed": None}},
            ReferralValues({}, {}, {"products": [], "customer_need": None}, {}),
        ),
        (
            {"customerRequirements": {"solutions": "  "}},
            ReferralValues({}, {}, {"solutions": None}, {}),
        ),
        (
            {"additionalInformation": {"dealValue": Decimal("5")}},
            ReferralValues({}, {}, {}, {"deal_value": Decimal("5.00")}),
        ),
        ({"additionalInformation": None}, ReferralValues({}, {}, {}, DEFAULT_INFORMATION)),
        ({"customerRequirements": None}, ReferralValues({}, {}, DEFAULT_REQUIREMENTS, {})),
    ],
)
def test_partial_update_holds_only_given_keys(
    data: dict[str, Any], expected: ReferralValues
) -> None:
    assert referral_values(data, partial=True) == expected


@pytest.mark.parametrize("path", REQUIRED_ON_CREATE)
def test_partial_update_cannot_clear_a_required_field(path: Path) -> None:
    assert errors_of(with_value(path, None, {}), partial=True) == [(path, "cannot be cleared")]


def test_partial_update_refuses_blank_required_text() -> None:
    assert errors_of({"name": " "}, partial=True) == [(("name",), "must not be blank")]


def test_partial_update_clearing_currency_of_a_new_deal_value_is_refused() -> None:
    data = {"additionalInformation": {"dealValue": Decimal("5"), "currency": None}}
    assert errors_of(data, partial=True) == [
        ((*INFORMATION, "currency"), "is required when dealValue is set")
    ]


@pytest.mark.parametrize(
    "data", [{}, {"customerProfile": {}}, {"customerProfile": {"address": {}}}]
)
def test_partial_update_with_nothing_in_it_is_refused(data: dict[str, Any]) -> None:
    assert errors_of(data, partial=True) == [((), "Nothing to update: give at least one field.")]


def test_partial_update_reports_its_own_errors_not_nothing_to_update() -> None:
    assert errors_of({"name": "x" * 201}, partial=True) == [
        (("name",), "must be at most 200 characters")
    ]


# --- InvalidInput


def test_invalid_input_needs_errors() -> None:
    with pytest.raises(ValueError, match="at least one"):
        InvalidInput([])


def test_invalid_input_reads_well_and_pickles() -> None:
    error = InvalidInput([FieldError(("a", "b"), "is required"), FieldError((), "is wrong")])
    assert str(error) == "a.b is required; (input) is wrong"
    assert pickle.loads(pickle.dumps(error)).errors == error.errors


# --- text()


@pytest.mark.parametrize(
    ("value", "limit", "required", "multiline", "expected"),
    [
        ("  hi \n", 2, True, False, "hi"),
        ("abc", 3, True, False, "abc"),
        ("   ", 3, False, False, None),
        (None, 3, False, False, None),
        ("a\r\n\tb", 10, True, True, "a\r\n\tb"),
    ],
)
def test_text_accepts(
    value: Any, limit: int, required: bool, multiline: bool, expected: str | None
) -> None:
    assert text(value, ("f",), limit=limit, required=required, multiline=multiline) == expected


@pytest.mark.parametrize(
    ("value", "limit", "required", "multiline", "message"),
    [
        ("abcd", 3, True, False, "must be at most 3 characters"),
        ("abcd", 3, False, True, "must be at most 3 characters"),
        (None, 3, True, False, "is required"),
        (" ", 3, True, True, "must not be blank"),
        ("a\tb", 10, True, False, SINGLE_LINE),
        ("a\x00b", 10, False, True, MULTILINE),
        ("a\x1bb", 10, False, True, MULTILINE),
        ("a\x85b", 10, False, True, MULTILINE),
        ("a\udc00", 10, False, True, "must be valid Unicode text"),
        (b"bytes", 10, False, False, "must be text"),
    ],
)
def test_text_refuses(
    value: Any, limit: int, required: bool, multiline: bool, message: str
) -> None:
    field = ("statusReason",)
    with pytest.raises(InvalidInput) as raised:
        text(value, field, limit=limit, required=required, multiline=multiline)
    assert raised.value.errors == [FieldError(field, message)]


# --- idempotency_key()


@pytest.mark.parametrize("key", ["a", "abc-123_XYZ:~!{}", "k" * 200])
def test_idempotency_key_accepts(key: str) -> None:
    assert idempotency_key(key) == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "is required"),
        (5, "must be text"),
        ("", "must not be empty"),
        ("k" * 201, "must be at most 200 characters"),
        ("a b", "must contain only printable ASCII characters, without spaces"),
        (" a", "must contain only printable ASCII characters, without spaces"),
        ("clé", "must contain only printable ASCII characters, without spaces"),
        ("a\x00", "must contain only printable ASCII characters, without spaces"),
        ("a\x7f", "must contain only printable ASCII characters, without spaces"),
    ],
)
def test_idempotency_key_refuses(key: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        idempotency_key(key)
    assert raised.value.errors == [FieldError(("idempotencyKey",), message)]
