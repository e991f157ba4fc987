"""Validation and normalisation of write inputs: pure, synchronous, every problem reported."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from db.models import ReferralSource
from db.refusals import FieldError, InvalidInput, Path

NAME_MAX = 200
ADDRESS_LINE_MAX = 200
CITY_MAX = 100
STATE_MAX = 100
POSTAL_CODE_MAX = 20
PERSON_NAME_MAX = 100
EMAIL_MAX = 254
LIST_MAX_ITEMS = 20
LIST_ITEM_MAX = 100
SOLUTIONS_MAX = 1000
CUSTOMER_NEED_MAX = 2000
NOTES_MAX = 4000
NOTE_MAX = 2000
STATUS_REASON_MAX = 1000
IDEMPOTENCY_KEY_MAX = 200
INVITE_USERS_MAX = 20
DEAL_VALUE_MAX = Decimal("9999999999999999.99")

Check = Callable[[Any, Path], Any]

_CENT = Decimal("0.01")
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_PHONE_MESSAGE = "must be a valid phone number; use international format, e.g. +14255550100"
# The library's reasons are about the user's own input; long ones are trimmed to keep answers tidy.
_EMAIL_REASON_MAX = 120


def field_name(field: Path) -> str:
    """How a message names the field at a path: its own name, with a list item's index.

    ("customerProfile", "contact", "email") -> "email"; ("userIds", "2") -> "userIds[2]".
    Paths name list items by their index in the list as the caller sent it, as a string.
    """
    if len(field) >= 2 and field[-1].isdigit():
        return f"{field[-2]}[{field[-1]}]"
    return field[-1] if field else "input"


def _refuse(field: Path, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, message)])


@dataclass(frozen=True, slots=True)
class ReferralValues:
    """Normalised column values per table; only the columns that were given (partial updates)."""

    referral: dict[str, Any]
    customer_profile: dict[str, Any]
    customer_requirements: dict[str, Any]
    additional_information: dict[str, Any]


# --- single values: each takes (value, field) and returns the column value or raises InvalidInput


def _clean(value: Any, field: Path, *, required: bool, multiline: bool) -> str:
    """Stripped text, "" for an absent optional; refuses what PostgreSQL or a screen can't take."""
    if value is None:
        if required:
            raise _refuse(field, "is required")
        return ""
    if not isinstance(value, str):
        raise _refuse(field, "must be text")
    stripped = value.strip()
    if not stripped and required:
        raise _refuse(field, "must not be blank")
    for char in stripped:
        category = unicodedata.category(char)
        # Lone surrogates cannot be encoded as UTF-8: the database driver would fail on them.
        if category == "Cs":
            raise _refuse(field, "must be valid Unicode text")
        if category == "Cc" and not (multiline and char in _MULTILINE_ALLOWED):
            if multiline:
                raise _refuse(field, "must not contain control characters other than line breaks")
            raise _refuse(field, "must be a single line without control characters")
    return stripped


def _limited(
    value: Any, field: Path, *, limit: int, required: bool, multiline: bool = False
) -> str:
    cleaned = _clean(value, field, required=required, multiline=multiline)
    if len(cleaned) > limit:
        raise _refuse(field, f"must be at most {limit} characters")
    return cleaned


def text(
    value: Any, field: Path, *, limit: int, required: bool, multiline: bool = False
) -> str | None:
    """Stripped text of at most `limit` characters; blank optional text becomes None."""
    return _limited(value, field, limit=limit, required=required, multiline=multiline) or None


def idempotency_key(value: Any) -> str:
    """The key as given: compared byte for byte, so it is checked but never rewritten."""
    field = ("idempotencyKey",)
    if not isinstance(value, str):
        raise _refuse(field, "is required" if value is None else "must be text")
    if not value:
        raise _refuse(field, "must not be empty")
    if len(value) > IDEMPOTENCY_KEY_MAX:
        raise _refuse(field, f"must be at most {IDEMPOTENCY_KEY_MAX} characters")
    if not all("!" <= char <= "~" for char in value):
        raise _refuse(field, "must contain only printable ASCII characters, without spaces")
    return value


def _email(value: Any, field: Path) -> str:
    address = _limited(value, field, limit=EMAIL_MAX, required=True)
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        reason = f": {error}" if len(str(error)) <= _EMAIL_REASON_MAX else ""
        raise _refuse(field, f"is not a valid email address{reason}") from None


def _country(value: Any, field: Path) -> str:
    # pycountry looks codes up in any case; the stored code is its own, canonical upper case.
    country = pycountry.countries.get(alpha_2=_clean(value, field, required=True, multiline=False))
    if country is None:
        raise _refuse(field, "must be an ISO 3166-1 alpha-2 country code like 'US'")
    return str(country.alpha_2)


def _currency(value: Any, field: Path) -> str | None:
    code = _clean(value, field, required=False, multiline=False)
    if not code:
        return None
    currency = pycountry.currencies.get(alpha_3=code)
    if currency is None:
        raise _refuse(field, "must be an ISO 4217 currency code like 'USD'")
    return str(currency.alpha_3)


def _phone(region: str | None) -> Callable[[Any, Path], str]:
    def check(value: Any, field: Path) -> str:
        raw = _clean(value, field, required=True, multiline=False)
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            raise _refuse(field, _PHONE_MESSAGE) from None
        if not phonenumbers.is_valid_number(number):
            raise _refuse(field, _PHONE_MESSAGE)
        # E.164 has no extension: storing the number without it would silently lose data.
        if number.extension:
            raise _refuse(field, "must be a phone number without an extension, e.g. +14255550100")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    return check


def _deal_value(value: Any, field: Path) -> Decimal:
    # bool and float are refused on purpose: the GraphQL Decimal scalar gives exact Decimals.
    if not isinstance(value, Decimal):
        raise _refuse(field, "must be a decimal number")
    if not value.is_finite():
        raise _refuse(field, "must be a finite number")
    if value < 0:
        raise _refuse(field, "must not be negative")
    if value > DEAL_VALUE_MAX:
        raise _refuse(field, f"must be at most {DEAL_VALUE_MAX}")
    # Safe now: the bound above keeps the quantized value within the context's precision.
    quantized = value.quantize(_CENT)
    if quantized != value:
        raise _refuse(field, "must have at most 2 decimal places")
    return abs(quantized)  # abs() turns -0.00 into 0.00


def _closing_date(value: Any, field: Path) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(field, "must be a date")
    return value


def _referral_source(value: Any, field: Path) -> ReferralSource:
    if not isinstance(value, ReferralSource):
        names = ", ".join(member.name for member in ReferralSource)
        raise _refuse(field, f"must be one of {names}")
    return value


def _string_list(value: Any, field: Path) -> list[str]:
    if not isinstance(value, list | tuple):
        raise _refuse(field, "must be a list of text")
    # Over the limit, the items are not checked one by one: one clear error, not a flood.
    if len(value) > LIST_MAX_ITEMS:
        raise _refuse(field, f"must have at most {LIST_MAX_ITEMS} items")
    items: dict[str, None] = {}  # a dict keeps the first occurrence of each item, in order
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        try:
            items[_limited(item, (*field, str(index)), limit=LIST_ITEM_MAX, required=True)] = None
        except InvalidInput as error:
            errors.extend(error.errors)
    if errors:
        raise InvalidInput(errors)
    return list(items)


def _text(limit: int, *, required: bool = False, multiline: bool = False) -> Check:
    def check(value: Any, field: Path) -> str | None:
        return text(value, field, limit=limit, required=required, multiline=multiline)

    return check


# --- the shape of a referral input and the columns it fills

_LISTS = ("industries", "products", "services")
_TABLES = ("referral", "customer_profile", "customer_requirements", "additional_information")


def _none() -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Field:
    key: str  # GraphQL input name within its parent
    table: str  # attribute of ReferralValues
    column: str
    check: Check
    required: bool = False  # required on create; None for it on update "cannot be cleared"
    empty: Callable[[], Any] = _none  # the value when absent on create or cleared on update


@dataclass(frozen=True, slots=True)
class _Group:
    key: str
    members: tuple[_Field | _Group, ...]
    required: bool = False


def _schema(phone_region: str | None) -> _Group:
    cp, cr, ai = "customer_profile", "customer_requirements", "additional_information"
    address = (
        _Field("addressLine1", cp, "address_line1", _text(ADDRESS_LINE_MAX, required=True), True),
        _Field("addressLine2", cp, "address_line2", _text(ADDRESS_LINE_MAX)),
        _Field("city", cp, "city", _text(CITY_MAX, required=True), True),
        _Field("state", cp, "state", _text(STATE_MAX, required=True), True),
        _Field("postalCode", cp, "postal_code", _text(POSTAL_CODE_MAX, required=True), True),
        _Field("country", cp, "country", _country, True),
    )
    contact = (
        _Field("firstName", cp, "contact_first_name", _text(PERSON_NAME_MAX, required=True), True),
        _Field("lastName", cp, "contact_last_name", _text(PERSON_NAME_MAX, required=True), True),
        _Field("email", cp, "contact_email", _email, True),
        _Field("phoneNumber", cp, "contact_phone_number", _phone(phone_region), True),
    )
    requirements = (
        *(_Field(key, cr, key, _string_list, empty=list) for key in _LISTS),
        _Field("solutions", cr, "solutions", _text(SOLUTIONS_MAX, multiline=True)),
        _Field("customerNeed", cr, "customer_need", _text(CUSTOMER_NEED_MAX, multiline=True)),
    )
    information = (
        _Field("notes", ai, "notes", _text(NOTES_MAX, multiline=True)),
        _Field("dealValue", ai, "deal_value", _deal_value),
        _Field("currency", ai, "currency", _currency),
        _Field("closingDate", ai, "closing_date", _closing_date),
    )
    profile = (
        _Field("name", cp, "name", _text(NAME_MAX, required=True), True),
        _Group("address", address, required=True),
        _Group("contact", contact, required=True),
    )
    return _Group(
        "",
        (
            _Field("name", "referral", "name", _text(NAME_MAX, required=True), True),
            _Field("referralSource", "referral", "referral_source", _referral_source, True),
            _Group("customerProfile", profile, required=True),
            _Group("customerRequirements", requirements),
            _Group("additionalInformation", information),
        ),
    )


class _Walk:
    """One pass over an input: fills the columns it may and collects every error on the way."""

    def __init__(self, *, partial: bool) -> None:
        self.partial = partial
        self.values: dict[str, dict[str, Any]] = {table: {} for table in _TABLES}
        self.errors: list[FieldError] = []

    def group(self, group: _Group, data: Mapping[str, Any], path: Path) -> None:
        for member in group.members:
            field = (*path, member.key)
            if member.key not in data and self.partial:
                continue  # left unchanged
            value = data.get(member.key)
            if value is None:
                if member.required:
                    message = "cannot be cleared" if self.partial else "is required"
                    self.errors.append(FieldError(field, message))
                else:
                    self.empty(member)
            elif isinstance(member, _Group):
                if isinstance(value, Mapping):
                    self.group(member, value, field)
                else:
                    self.errors.append(FieldError(field, "must be an object"))
            else:
                try:
                    self.values[member.table][member.column] = member.check(value, field)
                except InvalidInput as error:
                    self.errors.extend(error.errors)
        # A key we do not know is a caller's mistake; ignoring it would drop input silently.
        known = {member.key for member in group.members}
        for key in data:
            if key not in known:
                self.errors.append(FieldError((*path, str(key)), "is not a known field"))

    def empty(self, member: _Field | _Group) -> None:
        if isinstance(member, _Field):
            self.values[member.table][member.column] = member.empty()
        else:
            for inner in member.members:
                self.empty(inner)


def _region_of(data: Mapping[str, Any], phone_region: str | None) -> str | None:
    """The input's own address country when it is valid, else the caller's region."""
    profile = data.get("customerProfile")
    address = profile.get("address") if isinstance(profile, Mapping) else None
    if isinstance(address, Mapping) and address.get("country") is not None:
        try:
            return _country(address["country"], ())
        except InvalidInput:
            pass  # refused where the country itself is checked; the phone must stand alone
    return phone_region.upper() if phone_region else None


def referral_values(
    data: Mapping[str, Any], *, partial: bool, phone_region: str | None = None
) -> ReferralValues:
    """Column values of a create (partial=False: complete) or an update (partial=True: given)."""
    if not isinstance(data, Mapping):
        raise _refuse((), "must be an object")
    walk = _Walk(partial=partial)
    walk.group(_schema(_region_of(data, phone_region)), data, ())
    information = walk.values["additional_information"]
    if (
        information.get("deal_value") is not None
        and "currency" in information
        and information["currency"] is None
    ):
        walk.errors.append(
            FieldError(("additionalInformation", "currency"), "is required when dealValue is set")
        )
    if partial and not walk.errors and not any(walk.values.values()):
        walk.errors.append(FieldError((), "Nothing to update: give at least one field."))
    if walk.errors:
        raise InvalidInput(walk.errors)
    return ReferralValues(**walk.values)


@cache
def _input_paths() -> dict[tuple[str, str], str]:
    paths: dict[tuple[str, str], str] = {}

    def visit(group: _Group, prefix: tuple[str, ...]) -> None:
        for member in group.members:
            path = (*prefix, member.key)
            if isinstance(member, _Group):
                visit(member, path)
            else:
                paths[(member.table, member.column)] = ".".join(path)

    visit(_schema(None), ())
    return paths


def input_path(table: str, column: str) -> str:
    """Where a column is set in mutation input, e.g. customerProfile.contact.phoneNumber."""
    return _input_paths()[(table, column)]
