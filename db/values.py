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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, get_type_hints

from db import validation
from db.models import CustomerSize, ReferralQualification, ReferralSource, ReferralType
from db.refusals import FieldError, InvalidInput, Path
from db.validation import (
    ADDRESS_LINE_MAX,
    CITY_MAX,
    CUSTOMER_NEED_MAX,
    EXTERNAL_REFERENCE_ID_MAX,
    NAME_MAX,
    NOTES_MAX,
    PERSON_NAME_MAX,
    POSTAL_CODE_MAX,
    REGION_MAX,
    SOLUTIONS_MAX,
    STATE_MAX,
)
from db.validation import TargetValue as TargetValue  # re-exported: a value of a draft
from db.value_rules import UNSET as UNSET  # re-exported, as Unset and Maybe
from db.value_rules import Fills, Maybe, Section, plain, text_field
from db.value_rules import Unset as Unset

_CP, _CR, _AI = "customer_profile", "customer_requirements", "additional_information"
_R = "referral"
_TABLES = (_R, _CP, _CR, _AI)
_LIST = plain(validation.string_list)
_FLAG = plain(validation.flag)


def _true() -> bool:
    return True


def _false() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class AddressValue:
    """A customer's postal address."""

    address_line1: Annotated[
        Maybe[str], text_field(_CP, "address_line1", ADDRESS_LINE_MAX, required=True)
    ] = UNSET
    address_line2: Annotated[Maybe[str], text_field(_CP, "address_line2", ADDRESS_LINE_MAX)] = UNSET
    city: Annotated[Maybe[str], text_field(_CP, "city", CITY_MAX, required=True)] = UNSET
    # Required only in the countries that have states (`state_missing`).
    state: Annotated[Maybe[str], text_field(_CP, "state", STATE_MAX)] = UNSET
    postal_code: Annotated[
        Maybe[str], text_field(_CP, "postal_code", POSTAL_CODE_MAX, required=True)
    ] = UNSET
    country: Annotated[
        Maybe[str], Fills(_CP, "country", plain(validation.country), required=True)
    ] = UNSET
    region: Annotated[Maybe[str], text_field(_CP, "region", REGION_MAX)] = UNSET


@dataclass(frozen=True, slots=True)
class ContactValue:
    """The person to contact at the customer; the phone is read in the address's country."""

    first_name: Annotated[
        Maybe[str], text_field(_CP, "contact_first_name", PERSON_NAME_MAX, required=True)
    ] = UNSET
    last_name: Annotated[
        Maybe[str], text_field(_CP, "contact_last_name", PERSON_NAME_MAX, required=True)
    ] = UNSET
    email: Annotated[
        Maybe[str], Fills(_CP, "contact_email", plain(validation.email), required=True)
    ] = UNSET
    phone_number: Annotated[
        Maybe[str], Fills(_CP, "contact_phone_number", validation.phone_number, required=True)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class CustomerProfileValue:
    """The customer a referral is about."""

    name: Annotated[Maybe[str], text_field(_CP, "name", NAME_MAX, required=True)] = UNSET
    address: Annotated[Maybe[AddressValue], Section(AddressValue, required=True)] = UNSET
    contact: Annotated[Maybe[ContactValue], Section(ContactValue, required=True)] = UNSET
    size: Annotated[Maybe[CustomerSize], Fills(_CP, "size", plain(validation.customer_size))] = (
        UNSET
    )


@dataclass(frozen=True, slots=True)
class CustomerRequirementsValue:
    """What the customer is after."""

    industries: Annotated[Maybe[list[str]], Fills(_CR, "industries", _LIST, empty=list)] = UNSET
    products: Annotated[Maybe[list[str]], Fills(_CR, "products", _LIST, empty=list)] = UNSET
    services: Annotated[Maybe[list[str]], Fills(_CR, "services", _LIST, empty=list)] = UNSET
    solutions: Annotated[
        Maybe[str], text_field(_CR, "solutions", SOLUTIONS_MAX, multiline=True)
    ] = UNSET
    customer_need: Annotated[
        Maybe[str], text_field(_CR, "customer_need", CUSTOMER_NEED_MAX, multiline=True)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class AdditionalInformationValue:
    """Deal details; a deal value needs its currency."""

    notes: Annotated[Maybe[str], text_field(_AI, "notes", NOTES_MAX, multiline=True)] = UNSET
    deal_value: Annotated[
        Maybe[Decimal], Fills(_AI, "deal_value", plain(validation.deal_value))
    ] = UNSET
    currency: Annotated[Maybe[str], Fills(_AI, "currency", plain(validation.currency))] = UNSET
    closing_date: Annotated[
        Maybe[date], Fills(_AI, "closing_date", plain(validation.closing_date))
    ] = UNSET


@dataclass(frozen=True, slots=True)
class ConsentValue:
    """The customer's consent, given at creation; left out, it is what this API did before it
    had consent: details shared with other participants, the customer may be contacted, and
    nothing shared with Microsoft's sellers."""

    share_info_with_others: Annotated[
        Maybe[bool], Fills(_R, "consent_share_info_with_others", _FLAG, empty=_true)
    ] = UNSET
    contact_customer: Annotated[
        Maybe[bool], Fills(_R, "consent_contact_customer", _FLAG, empty=_true)
    ] = UNSET
    share_with_microsoft_sellers: Annotated[
        Maybe[bool], Fills(_R, "consent_share_with_microsoft_sellers", _FLAG, empty=_false)
    ] = UNSET


def _no_qualification() -> ReferralQualification:
    return ReferralQualification.NONE


def _independent() -> ReferralType:
    return ReferralType.INDEPENDENT


@dataclass(frozen=True, slots=True)
class _ReferralValue:
    name: Annotated[Maybe[str], text_field(_R, "name", NAME_MAX, required=True)] = UNSET
    referral_source: Annotated[
        Maybe[ReferralSource],
        Fills(_R, "referral_source", plain(validation.referral_source), required=True),
    ] = UNSET
    # Left out of a draft, or cleared: NONE.
    qualification: Annotated[
        Maybe[ReferralQualification],
        Fills(
            _R,
            "qualification",
            plain(validation.referral_qualification),
            empty=_no_qualification,
        ),
    ] = UNSET
    # Unique per owner organization: the database's index says so (`db.writes.referrals`).
    external_reference_id: Annotated[
        Maybe[str], text_field(_R, "external_reference_id", EXTERNAL_REFERENCE_ID_MAX)
    ] = UNSET
    target: Annotated[
        Maybe[list[TargetValue]], Fills(_R, "target", plain(validation.targets), empty=list)
    ] = UNSET
    customer_profile: Annotated[
        Maybe[CustomerProfileValue], Section(CustomerProfileValue, required=True)
    ] = UNSET
    customer_requirements: Annotated[
        Maybe[CustomerRequirementsValue], Section(CustomerRequirementsValue)
    ] = UNSET
    additional_information: Annotated[
        Maybe[AdditionalInformationValue], Section(AdditionalInformationValue)
    ] = UNSET


@dataclass(frozen=True, slots=True)
class ReferralDraft(_ReferralValue):
    """A new referral: required fields must be given; optional ones left out are empty.

    Its type and the customer's consent are given once, here: a patch has neither.
    """

    type: Annotated[
        Maybe[ReferralType],
        Fills(_R, "type", plain(validation.referral_type), empty=_independent),
    ] = UNSET
    consent: Annotated[Maybe[ConsentValue], Section(ConsentValue)] = UNSET


@dataclass(frozen=True, slots=True)
class ReferralPatch(_ReferralValue):
    """Changes to a referral: fields left out (UNSET) stay; None clears an optional one."""


Rules = tuple[tuple[str, "Fills | Section"], ...]
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
            elif isinstance(rule, Section):
                if isinstance(given, rule.of):
                    self.section(given, field)
                else:
                    self.errors.append(FieldError(field, "must be an object"))
            else:
                try:
                    self.columns[rule.table][rule.column] = rule.check(given, field, self.region)
                except InvalidInput as error:
                    self.errors.extend(error.errors)

    def empty(self, rule: Fills | Section) -> None:
        if isinstance(rule, Fills):
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
    profile = walk.columns[_CP]
    if (
        not partial
        and "state" in profile
        and "country" in profile
        and validation.state_required(profile["country"], profile["state"])
    ):
        walk.errors.append(state_missing(profile["country"]))
    if partial and not walk.errors and not any(walk.columns.values()):
        walk.errors.append(FieldError((), "Nothing to update: give at least one field."))
    if walk.errors:
        raise InvalidInput(walk.errors)
    return ReferralColumns(**walk.columns)


def currency_required() -> FieldError:
    """A deal value without its currency, in the value or in the stored row it updates."""
    return FieldError((_AI, "currency"), "is required when dealValue is set")


def state_missing(country: str) -> FieldError:
    """An address in a country that has states, without one (in the value or stored row)."""
    return FieldError((_CP, "address", "state"), f"is required for addresses in {country}")


@cache
def _paths() -> dict[tuple[str, str], Path]:
    paths: dict[tuple[str, str], Path] = {}

    def visit(of: type, prefix: Path) -> None:
        for name, rule in _rules(of):
            if isinstance(rule, Section):
                visit(rule.of, (*prefix, name))
            else:
                paths[(rule.table, rule.column)] = (*prefix, name)

    visit(ReferralPatch, ())
    return paths


def column_path(table: str, column: str) -> Path:
    """Which field sets a column, e.g. ("customer_profile", "contact", "phone_number")."""
    return _paths()[(table, column)]
