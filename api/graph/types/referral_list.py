"""The `referrals` list: filter and order inputs, and the connection that pages it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Self

import pycountry
import strawberry

from api.context import Info
from api.errors import BadUserInput
from api.graph.instants import filter_instant
from api.graph.relay.connection import Connection, connection
from api.graph.search import SEARCH_MAX_LENGTH, search_term
from api.graph.types.enums import (
    OrderDirection,
    ParticipantStatus,
    ReferralDirection,
    ReferralOrderField,
    ReferralSource,
    ReferralStatus,
)
from api.graph.types.referral import Referral
from db.paging import Page, Position
from db.referral_list import OrderField, ReferralFilter, ReferralOrder, sort_value
from db.validation import EXTERNAL_REFERENCE_ID_MAX

COUNTRY = re.compile(r"[A-Za-z]{2}")
CURRENCY = re.compile(r"[A-Za-z]{3}")
# Deal values are NUMERIC(18, 2).
MAX_AMOUNT = Decimal(10) ** 16
ORDER_FIELDS: dict[ReferralOrderField, OrderField] = {
    ReferralOrderField.CREATED_DATE: "created_date",
    ReferralOrderField.UPDATED_DATE: "updated_date",
    ReferralOrderField.DEAL_VALUE: "deal_value",
    ReferralOrderField.CLOSING_DATE: "closing_date",
    ReferralOrderField.NAME: "name",
}


@strawberry.input(description="Conditions a referral must meet; all given ones must hold.")
class ReferralFilterInput:
    status: list[ReferralStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    referral_source: list[ReferralSource] | None = strawberry.field(
        default=None, description="Any of these sources."
    )
    country: str | None = strawberry.field(
        default=None, description="Customer country, ISO 3166-1 alpha-2 (e.g. 'DE'; any case)."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Created at or after this instant (with offset, e.g. ...Z)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Created before this instant (with offset)."
    )
    updated_after: datetime | None = strawberry.field(
        default=None, description="Last changed at or after this instant (with offset)."
    )
    updated_before: datetime | None = strawberry.field(
        default=None, description="Last changed before this instant (with offset)."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive text in the referral's name, the customer's name or the "
        f"contact's name (at most {SEARCH_MAX_LENGTH} characters).",
    )
    direction: ReferralDirection | None = strawberry.field(
        default=None,
        description="INCOMING: referrals your organization was invited to; OUTGOING: "
        "referrals it owns.",
    )
    viewer_participant_status: list[ParticipantStatus] | None = strawberry.field(
        default=None,
        description="Any of these statuses of your organization's own participation, as read "
        "now: [INVITED] is 'waiting for my answer'; an invitation past its window reads "
        "EXPIRED, not INVITED.",
    )
    invitation_expires_before: datetime | None = strawberry.field(
        default=None,
        description="Your organization's open invitation (INVITED, not yet expired) expires "
        "before this instant (with offset), e.g. now plus 3 days.",
    )
    currency: str | None = strawberry.field(
        default=None,
        description="The deal value's currency, ISO 4217 (e.g. 'EUR'; any case). Required "
        "with dealValueMin or dealValueMax: amounts compare only within one currency.",
    )
    deal_value_min: Decimal | None = strawberry.field(
        default=None,
        description="Deal value at least this amount in `currency` (non-negative).",
    )
    deal_value_max: Decimal | None = strawberry.field(
        default=None,
        description="Deal value at most this amount in `currency` (non-negative).",
    )
    closing_date_from: date | None = strawberry.field(
        default=None, description="Expected closing on or after this date."
    )
    closing_date_to: date | None = strawberry.field(
        default=None, description="Expected closing on or before this date."
    )
    external_reference_id: str | None = strawberry.field(
        default=None,
        description="Your organization's referral with this CRM key, exactly (case "
        "included; surrounding spaces ignored, as when it was stored): at most one, since "
        "keys are unique per owner (Partner Center: externalReferenceId). Other "
        "organizations' keys never match.",
    )

    def to_filter(self) -> ReferralFilter:
        country = None
        if self.country is not None:
            if not COUNTRY.fullmatch(self.country):
                raise BadUserInput(
                    f"`filter.country` must be an ISO 3166-1 alpha-2 code like 'US', "
                    f"not {self.country[:20]!r}.",
                    argument="filter.country",
                )
            country = self.country.upper()
        search = search_term(self.search, argument="filter.search")
        return ReferralFilter(
            statuses=None if self.status is None else tuple(self.status),
            sources=None if self.referral_source is None else tuple(self.referral_source),
            country=country,
            created_after=filter_instant(self.created_after, "createdAfter"),
            created_before=filter_instant(self.created_before, "createdBefore"),
            updated_after=filter_instant(self.updated_after, "updatedAfter"),
            updated_before=filter_instant(self.updated_before, "updatedBefore"),
            search=search,
            owned=None if self.direction is None else self.direction is ReferralDirection.OUTGOING,
            viewer_participant_statuses=None
            if self.viewer_participant_status is None
            else tuple(self.viewer_participant_status),
            invitation_expires_before=filter_instant(
                self.invitation_expires_before, "invitationExpiresBefore"
            ),
            currency=self._currency(),
            deal_value_min=self.deal_value_min,
            deal_value_max=self.deal_value_max,
            closing_date_from=self.closing_date_from,
            closing_date_to=self._closing_date_to(),
            external_reference_id=self._external_reference_id(),
        )

    def _external_reference_id(self) -> str | None:
        if self.external_reference_id is None:
            return None
        key = self.external_reference_id.strip()
        if not key or len(key) > EXTERNAL_REFERENCE_ID_MAX:
            raise BadUserInput(
                f"`filter.externalReferenceId` must be 1 to {EXTERNAL_REFERENCE_ID_MAX} "
                "characters.",
                argument="filter.externalReferenceId",
            )
        return key

    def _currency(self) -> str | None:
        """The currency, after checking the deal value bounds that need it."""
        currency = None
        if self.currency is not None:
            code = self.currency
            found = (
                pycountry.currencies.get(alpha_3=code.upper()) if CURRENCY.fullmatch(code) else None
            )
            if found is None:
                raise BadUserInput(
                    f"`filter.currency` must be an ISO 4217 code like 'USD', "
                    f"not {self.currency[:20]!r}.",
                    argument="filter.currency",
                )
            currency = str(found.alpha_3)
        for name, amount in (
            ("dealValueMin", self.deal_value_min),
            ("dealValueMax", self.deal_value_max),
        ):
            if amount is not None and not (amount.is_finite() and 0 <= amount < MAX_AMOUNT):
                raise BadUserInput(
                    f"`filter.{name}` must be a non-negative amount below {MAX_AMOUNT:,}.",
                    argument=f"filter.{name}",
                )
        bounded = self.deal_value_min is not None or self.deal_value_max is not None
        if bounded and currency is None:
            raise BadUserInput(
                "`filter.currency` is required with `filter.dealValueMin` or "
                "`filter.dealValueMax`: deal values compare only within one currency.",
                argument="filter.currency",
            )
        low, high = self.deal_value_min, self.deal_value_max
        if low is not None and high is not None and low > high:
            raise BadUserInput(
                "`filter.dealValueMax` must not be below `filter.dealValueMin`.",
                argument="filter.dealValueMax",
            )
        return currency

    def _closing_date_to(self) -> date | None:
        low, high = self.closing_date_from, self.closing_date_to
        if low is not None and high is not None and low > high:
            raise BadUserInput(
                "`filter.closingDateTo` must not be before `filter.closingDateFrom`.",
                argument="filter.closingDateTo",
            )
        return high


@strawberry.input(
    description="How to order referrals; ties are broken by ID, and referrals without a "
    "deal value or closing date come last in either direction when ordered by it."
)
class ReferralOrderInput:
    field: ReferralOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC,
        description="Sort direction; descending (newest, largest, from 'z') by default.",
    )

    def to_order(self) -> ReferralOrder:
        return ReferralOrder(
            field=ORDER_FIELDS[self.field], descending=self.direction is OrderDirection.DESC
        )


def referral_ordering(order: ReferralOrder) -> str:
    """The cursor tag of an ordering: a cursor only works with the ordering that made it."""
    return f"referral:{order.field}"


@connection(
    item="referral",
    items="referrals",
    description="A page of the referrals your organization takes part in.",
    total_count="How many referrals match the filter, in all pages together.",
)
class ReferralConnection(Connection[Referral]):
    @classmethod
    def of_page(cls, info: Info, page: Page, order: ReferralOrder, where: ReferralFilter) -> Self:
        """The page's referrals; their total (by `where`) is counted only if asked for."""
        return cls.from_page(
            page,
            ordering=referral_ordering(order),
            position=lambda row: Position(sort_value(order, row), row.id),
            node=Referral.from_row,
            count=lambda: info.context.loaders.referral_count.load(where),
        )
