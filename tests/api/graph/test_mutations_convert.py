"""From mutation inputs to `db.values`: absent stays UNSET, null clears, fingerprints hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.graph.mutations.convert import draft, fingerprint, patch, update_note_name
from api.graph.mutations.inputs import (
    AdditionalInformationInput,
    AddressInput,
    AddressUpdateInput,
    ContactInput,
    CreateReferralInput,
    CustomerProfileInput,
    CustomerProfileUpdateInput,
    CustomerRequirementsInput,
    UpdateReferralInput,
)
from db.models import ReferralSource
from db.values import (
    UNSET,
    AddressValue,
    CustomerProfileValue,
    ReferralPatch,
    referral_columns,
)


def create_input(**overrides: object) -> CreateReferralInput:
    fields: dict[str, object] = {
        "name": "Contoso rollout",
        "referral_source": ReferralSource.PARTNER_LED,
        "customer_profile": CustomerProfileInput(
            name="Contoso Ltd",
            address=AddressInput(
                address_line1="1 Main St",
                city="Redmond",
                state="WA",
                postal_code="98052",
                country="US",
            ),
            contact=ContactInput(
                first_name="Ann",
                last_name="Lee",
                email="ann@contoso.com",
                phone_number="+1 425 555 0100",
            ),
        ),
        "customer_requirements": CustomerRequirementsInput(
            industries=["Retail"], products=["Azure", "Fabric"]
        ),
        "additional_information": AdditionalInformationInput(
            deal_value=Decimal("1200.50"), currency="EUR", closing_date=date(2027, 1, 31)
        ),
        "idempotency_key": "retry-1",
    }
    fields.update(overrides)
    return CreateReferralInput(**fields)  # type: ignore[arg-type]


# Computed by the code before `db.values` existed (sha256 of the input's canonical JSON, keyed
# by GraphQL names): a retry sent before a deploy must still match after it.
FINGERPRINT = "eda7cb3b8ec6bb712d7c785f5565223a4846fc6c7b3133f88570389d867ee36b"
BARE_FINGERPRINT = "0a1cf0e2f8ad0e3c2c213a0833ee0723bdf531917e79f7c951d07b453d47f51f"


def test_the_fingerprint_of_a_request_is_what_it_always_was() -> None:
    assert fingerprint(create_input()) == FINGERPRINT
    bare = CreateReferralInput(
        name="Bare",
        referral_source=ReferralSource.WEB_DIRECT,
        customer_profile=CustomerProfileInput(
            name="C",
            address=AddressInput(
                address_line1="1", city="c", state="s", postal_code="1", country="gb"
            ),
            contact=ContactInput(
                first_name="a", last_name="b", email="a@b.co", phone_number="020 7946 0958"
            ),
        ),
    )
    assert fingerprint(bare) == BARE_FINGERPRINT


def test_the_fingerprint_ignores_the_key_and_tells_bodies_apart() -> None:
    assert fingerprint(create_input(idempotency_key="another")) == FINGERPRINT
    assert fingerprint(create_input(name="Contoso rollout 2")) != FINGERPRINT


def test_a_create_input_becomes_a_complete_draft() -> None:
    columns = referral_columns(draft(create_input()))
    assert columns.referral["name"] == "Contoso rollout"
    assert columns.referral["referral_source"] == ReferralSource.PARTNER_LED
    assert columns.customer_profile["contact_phone_number"] == "+14255550100"
    assert columns.customer_requirements["products"] == ["Azure", "Fabric"]
    assert columns.additional_information["deal_value"] == Decimal("1200.50")


def test_an_update_input_keeps_absent_apart_from_null() -> None:
    given = UpdateReferralInput(
        id=strawberry.ID("x"),
        customer_profile=CustomerProfileUpdateInput(
            address=AddressUpdateInput(address_line2=None, city="Paris")
        ),
        customer_requirements=None,
    )
    assert patch(given) == ReferralPatch(
        name=UNSET,
        customer_profile=CustomerProfileValue(
            name=UNSET,
            address=AddressValue(address_line2=None, city="Paris"),
            contact=UNSET,
        ),
        customer_requirements=None,
        additional_information=UNSET,
    )


def test_the_update_note_names_fields_by_their_input_paths() -> None:
    assert update_note_name(("customer_profile", "contact", "phone_number")) == (
        "customerProfile.contact.phoneNumber"
    )
    assert update_note_name(("name",)) == "name"
