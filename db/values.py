"""Typed drafts and patches of a referral, in Python names, validated once into column values.

A `ReferralDraft` is a new referral as given, a `ReferralPatch` the changes to one: the same
fields, where UNSET is a field left out (unchanged in a patch; its default, or missing, in a
draft) and None clears an optional field. `referral_columns` checks every field by the rules
of `db.validation`, reports every problem at once at its Python path, and answers the column
values to write. Each field's metadata says which column it fills and how it is checked: the
shape is described here once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeAlias, TypeVar, get_type_hints

from db import validation
from db.models import ReferralSource
from db.refusals import FieldError, InvalidInput, Path
from db.validation import (
    ADDRESS_LINE_MAX,
    CITY_MAX,
    CUSTOMER_NEED_MAX,
    NAME_MAX,
    NOTES_MAX,
    PERSON_NAME_MAX,
    POSTAL_CODE_MAX,
    SOLUTIONS_MAX,
    STATE_MAX,
)


class Unset(Enum):
    """A field the caller left out, as distinct from None, which clears it."""

    UNSET = "UNSET"


UNSET = Unset.UNSET
T = TypeVar("T")
# A field's value as given: a value, None (cleared) or UNSET (left out).
Maybe: TypeAlias = T | Unset | None

# (value, field, phone region) -> the column value, or InvalidInput.
Check = Callable[[Any, Path, str | None], Any]


def _none() -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Column:
    """A field that fills one column of one table (an attribute of ReferralColumns)."""

    table: str
    column: str
    check: Check
    required: bool = False  # required in a draft; a patch "cannot clear" it
    empty: Callable[[], Any] = _none  # the value when left out of a draft, or cleared


@dataclass(frozen=True, slots=True)
class _Section:
    """A field holding a nested value of type `of`."""

    of: type
    required: bool = False


def _plain(check: validation.Check) -> Check:
    """A check that does not depend on the phone region."""
    return lambda value, field, _region: check(value, field)


def _text(
    table: str, column: str, limit: int, *, required: bool = False, multiline: bool = False
) -> _Column:
    check = _plain(validation.text_check(limit, required=required, multiline=multiline))
    return _Column(table, column, check, required=required)


_CP, _CR, _AI = "customer_profile", "customer_requirements", "additional_information"
_TABLES = ("referral", _CP, _CR, _AI)
_LIST = _plain(validation.string_list)


@dataclass(frozen=True, slots=True)
class AddressValue:
    """A customer's postal address."""

    address_line1: Annotated[
        Maybe[str], _text(_CP, "address_line1", ADDRESS_LINE_MAX, required=True)
    ] = UNSET
    address_line2: Annotated[Maybe[str], _text(_CP, "address_line2", ADDRESS_LINE_MAX)] = UNSET
    city: Annotated[Maybe[str], _text(_CP, "city", CITY_MAX, required=True)] = UNSET
    state: Annotated[Maybe[str], _text(_CP, "state", STATE_MAX, required=True)] = UNSET
    postal_code: Annotated[
        Maybe[str], _text(_CP, "postal_code", POSTAL_CODE_MAX, required=True)
    ] = UNSET
    country: Annotated[
        Maybe[str], _Column(_CP, "country", _plain(validation.country), required=True)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class ContactValue:
    """The person to contact at the customer; the phone is read in the address's country."""

    first_name: Annotated[
        Maybe[str], _text(_CP, "contact_first_name", PERSON_NAME_MAX, required=True)
    ] = UNSET
    last_name: Annotated[
        Maybe[str], _text(_CP, "contact_last_name", PERSON_NAME_MAX, required=True)
    ] = UNSET
    email: Annotated[
        Maybe[str], _Column(_CP, "contact_email", _plain(validation.email), required=True)
    ] = UNSET
    phone_number: Annotated[
        Maybe[str], _Column(_CP, "contact_phone_number", validation.phone_number, required=True)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class CustomerProfileValue:
    """The customer a referral is about."""

    name: Annotated[Maybe[str], _text(_CP, "name", NAME_MAX, required=True)] = UNSET
    address: Annotated[Maybe[AddressValue], _Section(AddressValue, required=True)] = UNSET
    contact: Annotated[Maybe[ContactValue], _Section(ContactValue, required=True)] = UNSET


@dataclass(frozen=True, slots=True)
class CustomerRequirementsValue:
    """What the customer is after."""

    industries: Annotated[Maybe[list[str]], _Column(_CR, "industries", _LIST, empty=list)] = UNSET
    products: Annotated[Maybe[list[str]], _Column(_CR, "products", _LIST, empty=list)] = UNSET
    services: Annotated[Maybe[list[str]], _Column(_CR, "services", _LIST, empty=list)] = UNSET
    solutions: Annotated[Maybe[str], _text(_CR, "solutions", SOLUTIONS_MAX, multiline=True)] = UNSET
    customer_need: Annotated[
        Maybe[str], _text(_CR, "customer_need", CUSTOMER_NEED_MAX, multiline=True)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class AdditionalInformationValue:
    """Deal details; a deal value needs its currency."""

    notes: Annotated[Maybe[str], _text(_AI, "notes", NOTES_MAX, multiline=True)] = UNSET
    deal_value: Annotated[
        Maybe[Decimal], _Column(_AI, "deal_value", _plain(validation.deal_value))
    ] = UNSET
    currency: Annotated[Maybe[str], _Column(_AI, "currency", _plain(validation.currency))] = UNSET
    closing_date: Annotated[
        Maybe[date], _Column(_AI, "closing_date", _plain(validation.closing_date))
    ] = UNSET


@dataclass(frozen=True, slots=True)
class _ReferralValue:
    name: Annotated[Maybe[str], _text("referral", "name", NAME_MAX, required=True)] = UNSET
    referral_source: Annotated[
        Maybe[ReferralSource],
        _Column("referral", "referral_source", _plain(validation.referral_source), required=True),
    ] = UNSET
    customer_profile: Annotated[
        Maybe[CustomerProfileValue], _Section(CustomerProfileValue, required=True)
    ] = UNSET
    customer_requirements: Annotated[
        Maybe[CustomerRequirementsValue], _Section(CustomerRequirementsValue)
    ] = UNSET
    additional_information: Annotated[
        Maybe[AdditionalInformationValue], _Section(AdditionalInformationValue)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class ReferralDraft(_ReferralValue):
    """A new referral: required fields must be given; optional ones left out are empty."""


@dataclass(frozen=True, slots=True)
class ReferralPatch(_ReferralValue):
    """Changes to a referral: fields left out (UNSET) stay; None clears an optional one."""


Rules = tuple[tuple[str, "_Column | _Section"], ...]
_RULES: dict[type, Rules] = {}


def _rules(of: type) -> Rules:
    """Each field of a value class, in order, with the rule its annotation carries."""
    if of not in _RULES:
        hints = get_type_hints(of, include_extras=True)
        _RULES[of] = tuple(
            (item.name, hints[item.name].__metadata__[0]) for item in dataclasses.fields(of)
        )
    return _RULES[of]


@dataclass(frozen=True, slots=True)
class ReferralColumns:
    """Normalised column values per table; only the columns that were given (patches)."""

    referral: dict[str, Any]
    customer_profile: dict[str, Any]
    customer_requirements: dict[str, Any]
    additional_information: dict[str, Any]


def _refuse(field: Path, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, message)])


class _Walk:
    """One pass over a value: fills the columns it may and collects every error on the way."""

    def __init__(self, *, partial: bool, region: str | None) -> None:
        self.partial = partial
        self.region = region
        self.columns: dict[str, dict[str, Any]] = {table: {} for table in _TABLES}
        self.errors: list[FieldError] = []

    def section(self, value: object, path: Path) -> None:
        for name, rule in _rules(type(value)):
            field = (*path, name)
            given = getattr(value, name)
            if given is UNSET:
                if self.partial:
                    continue  # left unchanged
                given = None
            if given is None:
                if rule.required:
                    message = "cannot be cleared" if self.partial else "is required"
                    self.errors.append(FieldError(field, message))
                else:
                    self.empty(rule)
            elif isinstance(rule, _Section):
                if isinstance(given, rule.of):
                    self.section(given, field)
                else:
                    self.errors.append(FieldError(field, "must be an object"))
            else:
                try:
                    self.columns[rule.table][rule.column] = rule.check(given, field, self.region)
                except InvalidInput as error:
                    self.errors.extend(error.errors)

    def empty(self, rule: _Column | _Section) -> None:
        if isinstance(rule, _Column):
            self.columns[rule.table][rule.column] = rule.empty()
        else:
            for _, inner in _rules(rule.of):
                self.empty(inner)


def _given(value: Any, name: str) -> Any:
    """A nested field's value when its parents were given, else None."""
    for attribute in name.split("."):
        value = getattr(value, attribute, None)
        if value is UNSET:
            return None
    return value


def _region_of(value: _ReferralValue, phone_region: str | None) -> str | None:
    """The value's own address country when it is valid, else the caller's region."""
    country = _given(value, "customer_profile.address.country")
    if country is not None:
        try:
            return validation.country(country, ())
        except InvalidInput:
            pass  # refused where the country itself is checked; the phone must stand alone
    return phone_region.upper() if phone_region else None


def referral_columns(
    value: ReferralDraft | ReferralPatch, *, phone_region: str | None = None
) -> ReferralColumns:
    """The column values of a draft (complete) or a patch (only what it gives), or every
    problem of it; `phone_region` reads national phone numbers when it has no country."""
    if not isinstance(value, ReferralDraft | ReferralPatch):
        raise _refuse((), "must be an object")
    partial = isinstance(value, ReferralPatch)
    walk = _Walk(partial=partial, region=_region_of(value, phone_region))
    walk.section(value, ())
    information = walk.columns[_AI]
    if (
        information.get("deal_value") is not None
        and "currency" in information
        and information["currency"] is None
    ):
        walk.errors.append(currency_required())
    if partial and not walk.errors and not any(walk.columns.values()):
        walk.errors.append(FieldError((), "Nothing to update: give at least one field."))
    if walk.errors:
        raise InvalidInput(walk.errors)
    return ReferralColumns(**walk.columns)


def currency_required() -> FieldError:
    """A deal value without its currency, in the value or in the stored row it updates."""
    return FieldError((_AI, "currency"), "is required when dealValue is set")


@cache
def _paths() -> dict[tuple[str, str], Path]:
    paths: dict[tuple[str, str], Path] = {}

    def visit(of: type, prefix: Path) -> None:
        for name, rule in _rules(of):
            if isinstance(rule, _Section):
                visit(rule.of, (*prefix, name))
            else:
                paths[(rule.table, rule.column)] = (*prefix, name)

    visit(ReferralPatch, ())
    return paths


def column_path(table: str, column: str) -> Path:
    """Which field sets a column, e.g. ("customer_profile", "contact", "phone_number")."""
    return _paths()[(table, column)]
