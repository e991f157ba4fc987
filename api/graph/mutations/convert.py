"""From mutation inputs to what `db.writes` takes: global IDs to keys, inputs to `db.values`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

from api.errors import BadUserInput
from api.graph.mutations.inputs import (
    AdditionalInformationInput,
    AdditionalInformationUpdateInput,
    AddressInput,
    AddressUpdateInput,
    ContactInput,
    ContactUpdateInput,
    CreateReferralInput,
    CustomerProfileInput,
    CustomerProfileUpdateInput,
    CustomerRequirementsInput,
    CustomerRequirementsUpdateInput,
    ReferralConsentInput,
    ReferralTargetInput,
    UpdateReferralInput,
)
from api.graph.mutations.user_errors import field_name, input_path
from api.graph.nodes import decode_global_id, expect_global_id
from db import values
from db.refusals import Path, RefusalCode, Refused

T = TypeVar("T")


def pk(value: str, type_name: str, field: Path) -> uuid.UUID:
    """A global ID's key; a malformed or foreign-typed ID refuses the write at its input path
    (`("user_ids", "2")` for a list's third item, as every userError's `field` names items)."""
    try:
        return expect_global_id(value, type_name, argument=field_name(input_path(field)))
    except BadUserInput as error:
        raise Refused(RefusalCode.INVALID_INPUT, error.message, field=field) from None


def named(value: str, type_name: str) -> uuid.UUID | None:
    """The key of a well-formed ID of `type_name`, to read the payload by; else None."""
    try:
        return expect_global_id(value, type_name)
    except BadUserInput:
        return None


def organization_pk(value: str, field: Path) -> uuid.UUID:
    """An organization's key from either spelling a client holds: the plain UUID of
    `Participant.organizationId`, or the global ID of an `Organization` (what the
    `organizations` picker and `Participant.organization` give)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        pass  # not a plain UUID: a global ID, or nothing
    name = field_name(input_path(field))
    try:
        decode_global_id(value, argument=name)
    except BadUserInput:
        raise Refused(
            RefusalCode.INVALID_INPUT,
            f"`{name}` is not an organization ID (an `Organization.id`, or a UUID).",
            field=field,
        ) from None
    try:
        return expect_global_id(value, "Organization", argument=name)
    except BadUserInput as error:  # the ID of another type: the message says which
        raise Refused(RefusalCode.INVALID_INPUT, error.message, field=field) from None


def draft(input: CreateReferralInput) -> values.ReferralDraft:
    """A new referral as the caller gave it, in `db.values`' Python names."""
    return values.ReferralDraft(
        name=input.name,
        referral_source=input.referral_source,
        customer_profile=_section(input.customer_profile, _profile),
        customer_requirements=_section(input.customer_requirements, _requirements),
        additional_information=_section(input.additional_information, _information),
        type=_maybe(input.type),
        qualification=_maybe(input.qualification),
        external_reference_id=_maybe(input.external_reference_id),
        consent=_section(input.consent, _consent),
        target=_section(input.target, _targets),
    )


def patch(input: UpdateReferralInput) -> values.ReferralPatch:
    """The changes the caller gave: absent fields stay UNSET, null ones None (clear)."""
    return values.ReferralPatch(
        name=_maybe(input.name),
        customer_profile=_section(input.customer_profile, _profile),
        customer_requirements=_section(input.customer_requirements, _requirements),
        additional_information=_section(input.additional_information, _information),
        qualification=_maybe(input.qualification),
        external_reference_id=_maybe(input.external_reference_id),
        target=_section(input.target, _targets),
    )


def update_note_name(path: Path) -> str:
    """How the UPDATED note names a changed field: its input path, e.g.
    customerProfile.contact.phoneNumber."""
    return ".".join(input_path(path))


def _maybe(value: T) -> T | values.Unset:
    """Strawberry's UNSET (left out) as `db.values`' UNSET; anything else as it is."""
    return values.UNSET if value is strawberry.UNSET else value


def _section(given: Any, convert: Callable[[Any], T]) -> T | values.Unset | None:
    """A nested input converted, or UNSET (left out), or None (cleared)."""
    if given is strawberry.UNSET:
        return values.UNSET
    return None if given is None else convert(given)


def _profile(
    given: CustomerProfileInput | CustomerProfileUpdateInput,
) -> values.CustomerProfileValue:
    return values.CustomerProfileValue(
        name=_maybe(given.name),
        address=_section(given.address, _address),
        contact=_section(given.contact, _contact),
        size=_maybe(given.size),
    )


def _address(given: AddressInput | AddressUpdateInput) -> values.AddressValue:
    return values.AddressValue(
        address_line1=_maybe(given.address_line1),
        address_line2=_maybe(given.address_line2),
        city=_maybe(given.city),
        state=_maybe(given.state),
        postal_code=_maybe(given.postal_code),
        country=_maybe(given.country),
        region=_maybe(given.region),
    )


def _contact(given: ContactInput | ContactUpdateInput) -> values.ContactValue:
    return values.ContactValue(
        first_name=_maybe(given.first_name),
        last_name=_maybe(given.last_name),
        email=_maybe(given.email),
        phone_number=_maybe(given.phone_number),
    )


def _requirements(
    given: CustomerRequirementsInput | CustomerRequirementsUpdateInput,
) -> values.CustomerRequirementsValue:
    return values.CustomerRequirementsValue(
        industries=_maybe(given.industries),
        products=_maybe(given.products),
        services=_maybe(given.services),
        solutions=_maybe(given.solutions),
        customer_need=_maybe(given.customer_need),
    )


def _information(
    given: AdditionalInformationInput | AdditionalInformationUpdateInput,
) -> values.AdditionalInformationValue:
    return values.AdditionalInformationValue(
        notes=_maybe(given.notes),
        deal_value=_maybe(given.deal_value),
        currency=_maybe(given.currency),
        closing_date=_maybe(given.closing_date),
    )


def _consent(given: ReferralConsentInput) -> values.ConsentValue:
    return values.ConsentValue(
        share_info_with_others=_maybe(given.share_info_with_others),
        contact_customer=_maybe(given.contact_customer),
        share_with_microsoft_sellers=_maybe(given.share_with_microsoft_sellers),
    )


def _targets(given: list[ReferralTargetInput]) -> list[values.TargetValue]:
    return [values.TargetValue(id=item.id, type=item.type) for item in given]


def fingerprint(input: CreateReferralInput) -> str:
    """The request as the caller sent it, hashed, to tell a retry from a reuse of its key.

    Stored with the key: it must stay byte-identical for the same request across releases, so
    it hashes the canonical JSON of the input keyed by GraphQL names, as it always has.
    """
    data = _to_data(input)
    data.pop("idempotencyKey", None)
    canonical = json.dumps(data, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> str:
    return str(getattr(value, "value", value))


def _to_data(value: Any) -> Any:
    """An input as plain nested data keyed by GraphQL names, leaving out absent (UNSET) fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel_case(item.name): _to_data(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if getattr(value, item.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [_to_data(item) for item in value]
    return value
