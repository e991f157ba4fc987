"""Drafts and patches to test `db.values` with: a full draft, and paths into it (Python names)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from db.models import ReferralSource
from db.refusals import InvalidInput
from db.values import (
    UNSET,
    AdditionalInformationValue,
    AddressValue,
    ContactValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralDraft,
    ReferralPatch,
    referral_columns,
)

Path = tuple[str, ...]
Value = ReferralDraft | ReferralPatch

ADDRESS: Path = ("customer_profile", "address")
CONTACT: Path = ("customer_profile", "contact")
REQUIREMENTS: Path = ("customer_requirements",)
INFORMATION: Path = ("additional_information",)

PHONE_MESSAGE = "must be a valid phone number; use international format, e.g. +14255550100"
SINGLE_LINE = "must be a single line without control characters"
MULTILINE = "must not contain control characters other than line breaks"

# The value class of each section, to build a path into a value that does not have it yet.
SECTIONS: dict[str, type] = {
    "customer_profile": CustomerProfileValue,
    "address": AddressValue,
    "contact": ContactValue,
    "customer_requirements": CustomerRequirementsValue,
    "additional_information": AdditionalInformationValue,
}


def full_draft() -> ReferralDraft:
    return ReferralDraft(
        name="  Contoso rollout ",
        referral_source=ReferralSource.PARTNER_LED,
        customer_profile=CustomerProfileValue(
            name="Contoso Ltd",
            address=AddressValue(
                address_line1="1 Main St",
                address_line2="Suite 5",
                city="Redmond",
                state="WA",
                postal_code="98052",
                country="us",
            ),
            contact=ContactValue(
                first_name="Ann",
                last_name="Lee",
                email="Ann.Lee@CONTOSO.com",
                phone_number="(425) 555-0100",
            ),
        ),
        customer_requirements=CustomerRequirementsValue(
            industries=["Retail", " Retail ", "Health"],
            products=["Azure"],
            services=[],
            solutions="Cloud\r\nmigration\tplan",
            customer_need=None,
        ),
        additional_information=AdditionalInformationValue(
            notes="   ",
            deal_value=Decimal("10.5"),
            currency="eur",
            closing_date=date(2027, 1, 31),
        ),
    )


def with_value(path: Path, value: Any, into: Any = None) -> Any:
    """`into` (the full draft by default) with the field at `path` set to `value`."""
    into = full_draft() if into is None else into
    head, *rest = path
    if rest:
        inner = getattr(into, head)
        if inner is UNSET or inner is None:
            inner = SECTIONS[head]()
        value = with_value(tuple(rest), value, inner)
    return dataclasses.replace(into, **{head: value})


def without(path: Path) -> Any:
    """The full draft with the field at `path` left out."""
    return with_value(path, UNSET)


def patch(path: Path, value: Any) -> ReferralPatch:
    """A patch that gives only the field at `path`."""
    patched: ReferralPatch = with_value(path, value, ReferralPatch())
    return patched


def errors_of(value: Any, *, phone_region: str | None = None) -> list[Any]:
    with pytest.raises(InvalidInput) as raised:
        referral_columns(value, phone_region=phone_region)
    return [(error.field, error.message) for error in raised.value.errors]


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


# `state` is not here: it is required only where the country has states (test_values_states).
REQUIRED_ON_CREATE: list[Path] = [
    ("name",),
    ("referral_source",),
    ("customer_profile",),
    ("customer_profile", "name"),
    ADDRESS,
    (*ADDRESS, "address_line1"),
    (*ADDRESS, "city"),
    (*ADDRESS, "postal_code"),
    (*ADDRESS, "country"),
    CONTACT,
    (*CONTACT, "first_name"),
    (*CONTACT, "last_name"),
    (*CONTACT, "email"),
    (*CONTACT, "phone_number"),
]
