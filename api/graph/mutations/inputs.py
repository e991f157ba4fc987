"""Mutation inputs: full ones for creating, partial ones (absent = unchanged) for updating."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from api.graph.types.enums import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralType,
)
from db import validation as v


def _text(what: str, limit: int) -> str:
    return f"{what}, at most {limit} characters."


def _optional(description: str) -> Any:
    return strawberry.field(default=strawberry.UNSET, description=description)


_STATE = (
    " Required in countries that have states ("
    + ", ".join(sorted(v.STATE_REQUIRED_COUNTRIES))
    + "); optional elsewhere."
)
_REGION = _text("Region within the country (Partner Center: Address.region)", v.REGION_MAX)
_SIZE = "How many employees the customer has (Partner Center: CustomerProfile.size)."
_QUALIFICATION = "How far the lead was qualified (Partner Center: qualification)."
_EXTERNAL_REFERENCE_ID = _text(
    "Your key for the referral in your CRM (Partner Center: externalReferenceId); unique "
    "among your organization's referrals, else DUPLICATE_EXTERNAL_REFERENCE_ID. Only the "
    "owner sets it",
    v.EXTERNAL_REFERENCE_ID_MAX,
)
_TARGET = (
    f"What the referral is for: solution profile references (Partner Center: target). At "
    f"most {v.LIST_MAX_ITEMS}; duplicates are dropped."
)

# --- creating ----------------------------------------------------------------------------


@strawberry.input(
    description="What the customer consents to (Partner Center: Consent). Given once, at "
    "creation; each field left out takes its default."
)
class ReferralConsentInput:
    share_info_with_others: bool | None = _optional(
        "The customer's details may be shared with other participants; without it, contact "
        "email and phone stay with the owner (Partner Center: consentToShareInfoWithOthers). "
        "Default true."
    )
    contact_customer: bool | None = _optional(
        "Partners may contact the customer (Partner Center: consentToContact). Default true."
    )
    share_with_microsoft_sellers: bool | None = _optional(
        "The referral may be shared with Microsoft's sellers (Partner Center: "
        "consentToShareReferralWithMicrosoftSellers). Default false."
    )


@strawberry.input(description="A reference to what the referral is for (Partner Center: target).")
class ReferralTargetInput:
    id: str = strawberry.field(
        description=_text("The referenced object's ID, e.g. 'SOL-34104-EBB'", v.TARGET_ID_MAX)
    )
    type: str | None = strawberry.field(
        default=None,
        description=_text("Its kind, e.g. 'SolutionProfile'; optional", v.TARGET_TYPE_MAX),
    )


@strawberry.input(description="A postal address.")
class AddressInput:
    address_line1: str = strawberry.field(
        description=_text("Street and number", v.ADDRESS_LINE_MAX)
    )
    address_line2: str | None = strawberry.field(
        default=None, description=_text("Optional second line", v.ADDRESS_LINE_MAX)
    )
    city: str = strawberry.field(description=_text("City", v.CITY_MAX))
    state: str | None = _optional(_text("State or province", v.STATE_MAX) + _STATE)
    postal_code: str = strawberry.field(description=_text("ZIP or postal code", v.POSTAL_CODE_MAX))
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. 'US'.")
    region: str | None = _optional(_REGION)


@strawberry.input(description="The person to contact at the customer.")
class ContactInput:
    first_name: str = strawberry.field(description=_text("Given name", v.PERSON_NAME_MAX))
    last_name: str = strawberry.field(description=_text("Family name", v.PERSON_NAME_MAX))
    email: str = strawberry.field(description=_text("Email address", v.EMAIL_MAX))
    phone_number: str = strawberry.field(
        description="Phone number; stored in E.164 form. Give it internationally ('+1 425 555 "
        "0100') or in the address country's national form."
    )


@strawberry.input(description="The customer a referral is about.")
class CustomerProfileInput:
    name: str = strawberry.field(description=_text("The customer's name", v.NAME_MAX))
    address: AddressInput = strawberry.field(description="The customer's address.")
    contact: ContactInput = strawberry.field(description="Who to talk to at the customer.")
    size: CustomerSize | None = _optional(_SIZE)


_LIST = f"At most {v.LIST_MAX_ITEMS} items of at most {v.LIST_ITEM_MAX} characters each."


@strawberry.input(description="What the customer is after.")
class CustomerRequirementsInput:
    industries: list[str] = strawberry.field(
        default_factory=list, description=f"Industries the customer is in. {_LIST}"
    )
    products: list[str] = strawberry.field(
        default_factory=list, description=f"Products of interest. {_LIST}"
    )
    services: list[str] = strawberry.field(
        default_factory=list, description=f"Services of interest. {_LIST}"
    )
    solutions: str | None = strawberry.field(
        default=None, description=_text("Solutions considered", v.SOLUTIONS_MAX)
    )
    customer_need: str | None = strawberry.field(
        default=None, description=_text("The need in the customer's words", v.CUSTOMER_NEED_MAX)
    )


_DEAL_VALUE = "Estimated deal value: non-negative, at most 2 decimals; needs `currency`."


@strawberry.input(description="Deal details.")
class AdditionalInformationInput:
    notes: str | None = strawberry.field(default=None, description=_text("Notes", v.NOTES_MAX))
    deal_value: Decimal | None = strawberry.field(default=None, description=_DEAL_VALUE)
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code of dealValue, e.g. 'EUR'."
    )
    closing_date: date | None = strawberry.field(default=None, description="Expected closing date.")


@strawberry.input(description="A new referral; your organization becomes its owner.")
class CreateReferralInput:
    name: str = strawberry.field(description=_text("Short name of the deal", v.NAME_MAX))
    referral_source: ReferralSource = strawberry.field(description="Where the lead came from.")
    customer_profile: CustomerProfileInput = strawberry.field(description="The customer.")
    customer_requirements: CustomerRequirementsInput | None = strawberry.field(
        default=None, description="What the customer needs; empty when left out."
    )
    additional_information: AdditionalInformationInput | None = strawberry.field(
        default=None, description="Deal details; empty when left out."
    )
    type: ReferralType | None = _optional(
        "Who works the lead (Partner Center: type). Default INDEPENDENT; set only here."
    )
    qualification: ReferralQualification | None = _optional(_QUALIFICATION + " Default NONE.")
    external_reference_id: str | None = _optional(_EXTERNAL_REFERENCE_ID + ".")
    consent: ReferralConsentInput | None = _optional(
        "What the customer consents to; set only here. Left out: share with other "
        "participants and contact the customer, but not share with Microsoft's sellers."
    )
    target: list[ReferralTargetInput] | None = _optional(_TARGET + " Default none.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string of yours (1..200 printable ASCII characters, e.g. a "
        "UUID). A retry with the same key and body returns the first referral instead of "
        "creating another; the same key with another body is refused. Keys are per "
        "organization.",
    )


# --- updating: every field optional; absent leaves it, null clears an optional one ---------

_CLEARS = " Null clears it."
_KEEPS = " Cannot be cleared."


@strawberry.input(description="Changes to an address; absent fields stay as they are.")
class AddressUpdateInput:
    address_line1: str | None = _optional(_text("Street and number", v.ADDRESS_LINE_MAX) + _KEEPS)
    address_line2: str | None = _optional(_text("Second line", v.ADDRESS_LINE_MAX) + _CLEARS)
    city: str | None = _optional(_text("City", v.CITY_MAX) + _KEEPS)
    state: str | None = _optional(
        _text("State or province", v.STATE_MAX)
        + _STATE
        + " Null clears it where the country does not need one."
    )
    postal_code: str | None = _optional(_text("ZIP or postal code", v.POSTAL_CODE_MAX) + _KEEPS)
    country: str | None = _optional("ISO 3166-1 alpha-2 country code." + _KEEPS)
    region: str | None = _optional(_REGION + _CLEARS)


@strawberry.input(description="Changes to the contact; absent fields stay as they are.")
class ContactUpdateInput:
    first_name: str | None = _optional(_text("Given name", v.PERSON_NAME_MAX) + _KEEPS)
    last_name: str | None = _optional(_text("Family name", v.PERSON_NAME_MAX) + _KEEPS)
    email: str | None = _optional(_text("Email address", v.EMAIL_MAX) + _KEEPS)
    phone_number: str | None = _optional("Phone number, stored in E.164 form." + _KEEPS)


@strawberry.input(description="Changes to the customer; absent fields stay as they are.")
class CustomerProfileUpdateInput:
    name: str | None = _optional(_text("The customer's name", v.NAME_MAX) + _KEEPS)
    address: AddressUpdateInput | None = _optional("Changes to the address.")
    contact: ContactUpdateInput | None = _optional("Changes to the contact.")
    size: CustomerSize | None = _optional(_SIZE + _CLEARS)


@strawberry.input(description="Changes to the requirements; absent fields stay as they are.")
class CustomerRequirementsUpdateInput:
    industries: list[str] | None = _optional(f"Replaces the industries. {_LIST}{_CLEARS}")
    products: list[str] | None = _optional(f"Replaces the products. {_LIST}{_CLEARS}")
    services: list[str] | None = _optional(f"Replaces the services. {_LIST}{_CLEARS}")
    solutions: str | None = _optional(_text("Solutions considered", v.SOLUTIONS_MAX) + _CLEARS)
    customer_need: str | None = _optional(
        _text("The need in the customer's words", v.CUSTOMER_NEED_MAX) + _CLEARS
    )


@strawberry.input(description="Changes to the deal details; absent fields stay as they are.")
class AdditionalInformationUpdateInput:
    notes: str | None = _optional(_text("Notes", v.NOTES_MAX) + _CLEARS)
    deal_value: Decimal | None = _optional(_DEAL_VALUE + _CLEARS)
    currency: str | None = _optional("ISO 4217 code of dealValue." + _CLEARS)
    closing_date: date | None = _optional("Expected closing date." + _CLEARS)


_EXPECTED_VERSION = (
    "The `version` you last read. If the referral changed since, nothing changes and the "
    "answer is a CONFLICT error carrying the current version. Leave out to apply regardless."
)


@strawberry.input(description="Changes to a referral; absent fields stay as they are.")
class UpdateReferralInput:
    id: strawberry.ID = strawberry.field(description="The referral's global ID.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED_VERSION)
    name: str | None = _optional(_text("Short name of the deal", v.NAME_MAX) + _KEEPS)
    customer_profile: CustomerProfileUpdateInput | None = _optional("Changes to the customer.")
    customer_requirements: CustomerRequirementsUpdateInput | None = _optional(
        "Changes to the requirements."
    )
    additional_information: AdditionalInformationUpdateInput | None = _optional(
        "Changes to the deal details."
    )
    qualification: ReferralQualification | None = _optional(_QUALIFICATION + " Null sets NONE.")
    external_reference_id: str | None = _optional(_EXTERNAL_REFERENCE_ID + "." + _CLEARS)
    target: list[ReferralTargetInput] | None = _optional(f"Replaces the target. {_TARGET}{_CLEARS}")


@strawberry.input(description="A move along the referral lifecycle.")
class ChangeReferralStatusInput:
    id: strawberry.ID = strawberry.field(description="The referral's global ID.")
    status: ReferralStatus = strawberry.field(
        description="ACTIVE (from PENDING), WON (from ACTIVE) or LOST (from PENDING or ACTIVE)."
    )
    status_reason: str | None = strawberry.field(
        default=None,
        description=_text(
            "Why it closed; required for LOST, only for WON or LOST", v.STATUS_REASON_MAX
        ),
    )
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED_VERSION)


@strawberry.input(description="An invitation of another organization to a referral.")
class InviteParticipantInput:
    referral_id: strawberry.ID = strawberry.field(description="The referral's global ID.")
    organization_id: strawberry.ID = strawberry.field(
        description="The organization to invite: its global ID (`Organization.id`, as the "
        "`organizations` picker and `Participant.organization` give it) or its plain UUID "
        "(as in `Participant.organizationId`)."
    )
    user_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description=f"Global IDs of that organization's users to put on the referral "
        f"(at most {v.INVITE_USERS_MAX}).",
    )
    note: str | None = strawberry.field(
        default=None, description=_text("A message for the invited organization", v.NOTE_MAX)
    )
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED_VERSION)


@strawberry.input(description="Your organization's acceptance of its invitation.")
class AcceptInvitationInput:
    participant_id: strawberry.ID = strawberry.field(
        description="Global ID of your organization's INVITED participant."
    )


@strawberry.input(description="Your organization's rejection of its invitation.")
class RejectInvitationInput:
    participant_id: strawberry.ID = strawberry.field(
        description="Global ID of your organization's INVITED participant."
    )
    reason: str | None = strawberry.field(
        default=None, description=_text("Why you decline", v.NOTE_MAX)
    )


@strawberry.input(description="A note for the referral's history.")
class AddReferralNoteInput:
    referral_id: strawberry.ID = strawberry.field(description="The referral's global ID.")
    note: str = strawberry.field(description=_text("The note", v.NOTE_MAX))
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED_VERSION)
