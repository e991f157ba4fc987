"""Checks of single input values: each returns the normalised value or refuses at its path."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from db.models import CustomerSize, ReferralQualification, ReferralSource, ReferralType
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
REGION_MAX = 100
EXTERNAL_REFERENCE_ID_MAX = 100
TARGET_ID_MAX = 100
TARGET_TYPE_MAX = 50
# Countries whose postal addresses need a state or province to be delivered (as Partner
# Center's address rules by market ask for one); elsewhere `state` may be left out.
STATE_REQUIRED_COUNTRIES = frozenset({"AU", "BR", "CA", "CN", "IN", "MX", "US"})

Check = Callable[[Any, Path], Any]

_CENT = Decimal("0.01")
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_PHONE_MESSAGE = "must be a valid phone number; use international format, e.g. +14255550100"
# The library's reasons are about the user's own input; long ones are trimmed to keep answers tidy.
_EMAIL_REASON_MAX = 120


def _refuse(field: Path, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, message)])


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
    field = ("idempotency_key",)
    if not isinstance(value, str):
        raise _refuse(field, "is required" if value is None else "must be text")
    if not value:
        raise _refuse(field, "must not be empty")
    if len(value) > IDEMPOTENCY_KEY_MAX:
        raise _refuse(field, f"must be at most {IDEMPOTENCY_KEY_MAX} characters")
    if not all("!" <= char <= "~" for char in value):
        raise _refuse(field, "must contain only printable ASCII characters, without spaces")
    return value


def email(value: Any, field: Path) -> str:
    address = _limited(value, field, limit=EMAIL_MAX, required=True)
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        reason = f": {error}" if len(str(error)) <= _EMAIL_REASON_MAX else ""
        raise _refuse(field, f"is not a valid email address{reason}") from None


def country(value: Any, field: Path) -> str:
    # pycountry looks codes up in any case; the stored code is its own, canonical upper case.
    country = pycountry.countries.get(alpha_2=_clean(value, field, required=True, multiline=False))
    if country is None:
        raise _refuse(field, "must be an ISO 3166-1 alpha-2 country code like 'US'")
    return str(country.alpha_2)


def currency(value: Any, field: Path) -> str | None:
    code = _clean(value, field, required=False, multiline=False)
    if not code:
        return None
    currency = pycountry.currencies.get(alpha_3=code)
    if currency is None:
        raise _refuse(field, "must be an ISO 4217 currency code like 'USD'")
    return str(currency.alpha_3)


def phone_number(value: Any, field: Path, region: str | None) -> str:
    """The number in E.164 form, read as a national number of `region` unless it starts '+'."""
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


def deal_value(value: Any, field: Path) -> Decimal:
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


def closing_date(value: Any, field: Path) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(field, "must be a date")
    return value


def _member(enum: type[Enum]) -> Check:
    """A check that the value is a member of `enum`; the message lists its names."""

    def check(value: Any, field: Path) -> Any:
        if not isinstance(value, enum):
            names = ", ".join(member.name for member in enum)
            raise _refuse(field, f"must be one of {names}")
        return value

    return check


referral_source = _member(ReferralSource)
referral_type = _member(ReferralType)
referral_qualification = _member(ReferralQualification)
customer_size = _member(CustomerSize)


def flag(value: Any, field: Path) -> bool:
    if not isinstance(value, bool):
        raise _refuse(field, "must be true or false")
    return value


def state_required(country: str | None, state: str | None) -> bool:
    """Whether an address in `country` lacks the state its country needs."""
    return state is None and country in STATE_REQUIRED_COUNTRIES


def string_list(value: Any, field: Path) -> list[str]:
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


@dataclass(frozen=True, slots=True)
class TargetValue:
    """One of Partner Center's `target` references: what the referral is for, by id (e.g. a
    solution profile's "SOL-34104-EBB") and, optionally, the kind of thing it names."""

    id: str
    type: str | None = None


def targets(value: Any, field: Path) -> list[dict[str, str | None]]:
    """Target references as stored: [{"id": ..., "type": ...}], duplicates dropped."""
    if not isinstance(value, list | tuple):
        raise _refuse(field, "must be a list")
    if len(value) > LIST_MAX_ITEMS:
        raise _refuse(field, f"must have at most {LIST_MAX_ITEMS} items")
    found: dict[tuple[str | None, str | None], None] = {}
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        path = (*field, str(index))
        if not isinstance(item, TargetValue):
            errors.append(FieldError(path, "must be an object"))
            continue
        try:
            key = text(item.id, (*path, "id"), limit=TARGET_ID_MAX, required=True)
            kind = text(item.type, (*path, "type"), limit=TARGET_TYPE_MAX, required=False)
        except InvalidInput as error:
            errors.extend(error.errors)
            continue
        found[(key, kind)] = None
    if errors:
        raise InvalidInput(errors)
    return [{"id": key, "type": kind} for key, kind in found]


def text_check(limit: int, *, required: bool = False, multiline: bool = False) -> Check:
    """`text` with its limits set, as a check of (value, field)."""

    def check(value: Any, field: Path) -> str | None:
        return text(value, field, limit=limit, required=required, multiline=multiline)

    return check
