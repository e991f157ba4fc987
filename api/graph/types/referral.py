"""The referral and the parts it owns: customer profile, requirements, additional information."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.edges import REFERRAL_FIELDS, LoaderOf
from api.graph.loaders import Resolved, resolve
from api.graph.relay.ids import global_id_encoder
from api.graph.relay.paging import Paging, paged
from api.graph.types.activity import ActivityConnection, activity_connection
from api.graph.types.deferred import blank, defer
from api.graph.types.enums import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralSubstatus,
    ReferralType,
)
from api.graph.types.node import Node
from api.graph.types.participant import Participant
from api.graph.types.viewer import ReferralViewerCan
from db import rules
from db.rows import positions
from db.rules import own_participation

R = TypeVar("R")
_REFERRAL_ID = global_id_encoder("Referral")
_PROFILE_ID = global_id_encoder("CustomerProfile")


@strawberry.type(description="A postal address.")
class Address:
    address_line1: str = strawberry.field(description="First line: street and number.")
    address_line2: str | None = strawberry.field(description="Second line; optional.")
    city: str = strawberry.field(description="City.")
    state: str = strawberry.field(
        description="State or province. Empty text where the address has none: it is required "
        "only in countries that have states (AU, BR, CA, CN, IN, MX, US)."
    )
    postal_code: str = strawberry.field(description="ZIP or postal code.")
    country: str = strawberry.field(description="Country: ISO 3166-1 alpha-2 code, e.g. 'US'.")
    region: str | None = strawberry.field(
        description="Region within the country, where the address names one (Partner Center: "
        "Address.region)."
    )


@strawberry.type(description="The person to contact at the customer.")
class Contact:
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    email: str | None = strawberry.field(
        description="Email address. Null unless your organization is an ACCEPTED participant "
        "and either owns the referral or the customer consented to share its details with "
        "others (`Referral.consent.shareInfoWithOthers`)."
    )
    phone_number: str | None = strawberry.field(
        description="Phone number in E.164 form, e.g. '+14255550100'. Null unless you may "
        "read `email`."
    )


@strawberry.type(description="The customer a referral is about.")
class CustomerProfile(Node):
    name: str = strawberry.field(description="The customer's name.")
    address: Address = strawberry.field(description="The customer's address.")
    contact: Contact = strawberry.field(description="Who to talk to at the customer.")
    size: CustomerSize | None = strawberry.field(
        description="How many employees the customer has (Partner Center: "
        "CustomerProfile.size); null if not given."
    )
    pk: strawberry.Private[uuid.UUID]
    viewpoint: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Row[Any], *, viewpoint: uuid.UUID | None = None) -> CustomerProfile:
        """The profile as the viewer sees it, or as the not-ACCEPTED participant `viewpoint`
        sees it: without email and phone, under an ID of its own (made when read)."""
        at = positions(row)
        contact_hidden = viewpoint is not None
        profile = blank(cls)
        profile.pk = row[at["id"]]
        profile.viewpoint = viewpoint
        profile.name = row[at["name"]]
        profile.address = Address(
            address_line1=row[at["address_line1"]],
            address_line2=row[at["address_line2"]],
            city=row[at["city"]],
            state=row[at["state"]] or "",
            postal_code=row[at["postal_code"]],
            country=row[at["country"]],
            region=row[at["region"]],
        )
        profile.contact = Contact(
            first_name=row[at["contact_first_name"]],
            last_name=row[at["contact_last_name"]],
            email=None if contact_hidden else row[at["contact_email"]],
            phone_number=None if contact_hidden else row[at["contact_phone_number"]],
        )
        profile.size = row[at["size"]]
        return profile


@strawberry.type(description="What the customer is after.")
class CustomerRequirements:
    industries: list[str] = strawberry.field(description="Industries the customer is in.")
    products: list[str] = strawberry.field(description="Products the customer is interested in.")
    services: list[str] = strawberry.field(description="Services the customer is interested in.")
    solutions: str | None = strawberry.field(description="Solutions the customer considers.")
    customer_need: str | None = strawberry.field(description="The need, in the customer's words.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> CustomerRequirements:
        at = positions(row)
        return cls(
            industries=row[at["industries"]],
            products=row[at["products"]],
            services=row[at["services"]],
            solutions=row[at["solutions"]],
            customer_need=row[at["customer_need"]],
        )


@strawberry.type(description="Deal details partners add to a referral.")
class AdditionalInformation:
    notes: str | None = strawberry.field(description="Free-text notes.")
    deal_value: Decimal | None = strawberry.field(
        description="Estimated deal value in `currency`, non-negative, at most 2 decimals."
    )
    currency: str | None = strawberry.field(description="ISO 4217 code of dealValue, e.g. 'USD'.")
    closing_date: date | None = strawberry.field(description="Expected closing date (ISO 8601).")

    @classmethod
    def from_row(cls, row: Row[Any]) -> AdditionalInformation:
        at = positions(row)
        return cls(
            notes=row[at["notes"]],
            deal_value=row[at["deal_value"]],
            currency=row[at["currency"]],
            closing_date=row[at["closing_date"]],
        )


@strawberry.type(
    description="The customer's consent, given when the referral was created (Partner Center: "
    "Consent). Referrals from before consent existed read true, true, false: what this API "
    "did then."
)
class ReferralConsent:
    share_info_with_others: bool = strawberry.field(
        description="The customer's details may be shared with other participants: without "
        "it, contact email and phone stay with the owner (Partner Center: "
        "consentToShareInfoWithOthers)."
    )
    contact_customer: bool = strawberry.field(
        description="Partners may contact the customer (Partner Center: consentToContact)."
    )
    share_with_microsoft_sellers: bool = strawberry.field(
        description="The referral may be shared with Microsoft's sellers (Partner Center: "
        "consentToShareReferralWithMicrosoftSellers)."
    )


@strawberry.type(
    description="What the referral is for: a reference to a solution profile or another "
    "object of Partner Center (Partner Center: an item of `target`)."
)
class ReferralTarget:
    id: str = strawberry.field(description="The referenced object's ID, e.g. 'SOL-34104-EBB'.")
    type: str | None = strawberry.field(
        description="What kind of object `id` names, e.g. 'SolutionProfile'; null if not given."
    )


@strawberry.type(description="A sales lead that one partner organization shares with others.")
class Referral(Node):
    name: str = strawberry.field(description="Short name of the deal.")
    created_date: datetime = strawberry.field(description="When it was created (UTC, ISO 8601).")
    updated_date: datetime = strawberry.field(description="When it last changed (UTC, ISO 8601).")
    status: ReferralStatus = strawberry.field(description="Where the referral stands.")
    status_reason: str | None = strawberry.field(
        description="Why it was closed; always set for LOST."
    )
    referral_source: ReferralSource = strawberry.field(description="Where the lead came from.")
    type: ReferralType = strawberry.field(
        description="Who works the lead: one partner, or several together (Partner Center: type)."
    )
    qualification: ReferralQualification = strawberry.field(
        description="How far the lead was qualified (Partner Center: qualification)."
    )
    external_reference_id: str | None = strawberry.field(
        description="The owner's key for the referral in its own CRM, unique among the "
        "owner's referrals (Partner Center: externalReferenceId). Null to other organizations."
    )
    consent: ReferralConsent = strawberry.field(
        description="What the customer consented to, as given at creation."
    )
    target: list[ReferralTarget] = strawberry.field(
        description="What the referral is for: solution profile references (Partner Center: "
        "target)."
    )
    version: int = strawberry.field(
        description="Rises by one with every change; send it as `expectedVersion` to update "
        "only what you have seen."
    )
    pk: strawberry.Private[uuid.UUID]
    owner_organization_pk: strawberry.Private[uuid.UUID]
    # The not-ACCEPTED participant whose view this is (`Participant.referralView`), if any.
    viewpoint: strawberry.Private[uuid.UUID | None]
    row: strawberry.Private[Row[Any]]  # the referral row: consent and target are made of it

    @classmethod
    def from_row(cls, row: Row[Any], *, viewpoint: uuid.UUID | None = None) -> Referral:
        """The referral as the viewer sees it, or as the not-ACCEPTED participant `viewpoint`
        sees it (contact details hidden), under an ID of its own. Its ID, consent and target
        are made when read."""
        at = positions(row)
        referral = blank(cls)
        referral.pk = row[at["id"]]
        referral.viewpoint = viewpoint
        referral.row = row
        referral.owner_organization_pk = row[at["owner_organization_id"]]
        referral.name = row[at["name"]]
        referral.created_date = row[at["created_date"]]
        referral.updated_date = row[at["updated_date"]]
        referral.status = row[at["status"]]
        referral.status_reason = row[at["status_reason"]]
        referral.referral_source = row[at["referral_source"]]
        referral.type = row[at["type"]]
        referral.qualification = row[at["qualification"]]
        referral.external_reference_id = row[at["external_reference_id"]]
        referral.version = row[at["version"]]
        return referral

    @strawberry.field(
        description="The customer: name, address and contact.", graphql_type=CustomerProfile
    )
    def customer_profile(self, info: Info) -> Resolved[CustomerProfile]:
        viewpoint = self.viewpoint
        return self._part(
            info,
            REFERRAL_FIELDS["customer_profile"],
            lambda row: CustomerProfile.from_row(row, viewpoint=viewpoint),
        )

    @strawberry.field(description="What the customer needs.", graphql_type=CustomerRequirements)
    def customer_requirements(self, info: Info) -> Resolved[CustomerRequirements]:
        return self._part(
            info, REFERRAL_FIELDS["customer_requirements"], CustomerRequirements.from_row
        )

    @strawberry.field(
        description="Deal value, currency, closing date and notes.",
        graphql_type=AdditionalInformation,
    )
    def additional_information(self, info: Info) -> Resolved[AdditionalInformation]:
        return self._part(
            info, REFERRAL_FIELDS["additional_information"], AdditionalInformation.from_row
        )

    @strawberry.field(
        description="Every organization taking part, the owner first.",
        graphql_type=list[Participant],
    )
    def participants(self, info: Info) -> Resolved[list[Participant]]:
        return resolve(
            REFERRAL_FIELDS["participants"](info.context.loaders),
            self.pk,
            lambda rows: [Participant.from_row(row) for row in rows],
        )

    @strawberry.field(
        description="The participant of the organization that created the referral.",
        graphql_type=Participant,
    )
    def owner(self, info: Info) -> Resolved[Participant]:
        loader = REFERRAL_FIELDS["owner"](info.context.loaders)
        return resolve(loader, self.pk, self._owner)

    @strawberry.field(
        description="Your organization's own participant on this referral: its open one "
        "(INVITED or ACCEPTED), else its latest; null if it has none.",
        graphql_type=Participant | None,
    )
    def viewer_participant(self, info: Info) -> Resolved[Participant | None]:
        organization_id = info.context.viewer.organization_id

        def own(rows: list[Row[Any]]) -> Participant | None:
            row = own_participation(rows, organization_id)
            return None if row is None else Participant.from_row(row)

        return resolve(REFERRAL_FIELDS["viewer_participant"](info.context.loaders), self.pk, own)

    @strawberry.field(
        description="The status as your organization sees it (Partner Center: substatus), "
        "from the status and your own participation; on a participant's view "
        "(`Participant.referralView`), as that participant sees it.",
        graphql_type=ReferralSubstatus,
    )
    def substatus(self, info: Info) -> Resolved[ReferralSubstatus]:
        organization_id, viewpoint = info.context.viewer.organization_id, self.viewpoint
        status, owner = self.status, self.owner_organization_pk

        def seen(rows: list[Row[Any]]) -> ReferralSubstatus:
            if viewpoint is None:
                row = own_participation(rows, organization_id)
            else:
                row = next((row for row in rows if row.id == viewpoint), None)
            return rules.substatus(
                status,
                None if row is None else row.status,
                owner=row is not None and row.organization_id == owner,
            )

        return resolve(REFERRAL_FIELDS["substatus"](info.context.loaders), self.pk, seen)

    @strawberry.field(
        description="What your organization may do to this referral now, by the rules the "
        "mutations obey: show a button only where its field is true.",
        graphql_type=ReferralViewerCan,
    )
    def viewer_can(self, info: Info) -> Resolved[ReferralViewerCan]:
        if self.viewpoint is not None:
            return ReferralViewerCan.nothing()
        viewer, status = info.context.viewer, self.status

        def can(rows: list[Row[Any]]) -> ReferralViewerCan:
            own = own_participation(rows, viewer.organization_id)
            return ReferralViewerCan.of(status, own, viewer.now)

        return resolve(REFERRAL_FIELDS["viewer_can"](info.context.loaders), self.pk, can)

    def _part(self, info: Info, loader: LoaderOf, build: Callable[[Row[Any]], R]) -> Resolved[R]:
        """A part every referral has, built from its loader's row (`REFERRAL_FIELDS`); its
        absence is a broken invariant, reported as a fault."""

        def present(row: Row[Any] | None) -> R:
            if row is None:
                raise LookupError(f"referral {self.pk} lacks a part every referral has")
            return build(row)

        return resolve(loader(info.context.loaders), self.pk, present)

    def _owner(self, rows: list[Row[Any]]) -> Participant:
        for row in rows:
            if row.organization_id == self.owner_organization_pk:
                return Participant.from_row(row)
        raise LookupError(f"referral {self.pk} has no owner participant")

    @strawberry.field(description="The referral's history, oldest first.")
    @paged
    async def activities(self, info: Info, paging: Paging) -> ActivityConnection:
        loaders = info.context.loaders
        return await activity_connection(
            info,
            loaders.activity_page_by_referral,
            loaders.activity_count_by_referral,
            self.pk,
            paging,
        )


def _consent(row: Row[Any]) -> ReferralConsent:
    at = positions(row)
    return ReferralConsent(
        share_info_with_others=row[at["consent_share_info_with_others"]],
        contact_customer=row[at["consent_contact_customer"]],
        share_with_microsoft_sellers=row[at["consent_share_with_microsoft_sellers"]],
    )


def _target(row: Row[Any]) -> list[ReferralTarget]:
    items: list[dict[str, Any]] = row[positions(row)["target"]]
    return [ReferralTarget(id=item["id"], type=item.get("type")) for item in items]


defer(
    Referral,
    id=lambda referral: _REFERRAL_ID(referral.pk, referral.viewpoint),
    consent=lambda referral: _consent(referral.row),
    target=lambda referral: _target(referral.row),
)
defer(CustomerProfile, id=lambda profile: _PROFILE_ID(profile.pk, profile.viewpoint))
