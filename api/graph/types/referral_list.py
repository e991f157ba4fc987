"""The `referrals` list: filter and order inputs, and the connection that pages it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, Self

import strawberry

from api.context import Info
from api.errors import BadUserInput
from api.graph.relay.connection import Connection, connection
from api.graph.search import SEARCH_MAX_LENGTH, search_term
from api.graph.types.enums import OrderDirection, ReferralOrderField, ReferralSource, ReferralStatus
from api.graph.types.referral import Referral
from db.paging import Page, Position
from db.reads import ReferralFilter, ReferralOrder

COUNTRY = re.compile(r"[A-Za-z]{2}")


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
        description="Case-insensitive text in the customer's name or the contact's name "
        f"(at most {SEARCH_MAX_LENGTH} characters).",
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
            created_after=_instant(self.created_after, "createdAfter"),
            created_before=_instant(self.created_before, "createdBefore"),
            updated_after=_instant(self.updated_after, "updatedAfter"),
            updated_before=_instant(self.updated_before, "updatedBefore"),
            search=search,
        )


def _instant(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadUserInput(
            f"`filter.{name}` needs a time zone offset, e.g. '2026-01-31T00:00:00Z'.",
            argument=f"filter.{name}",
        )
    return value


@strawberry.input(description="How to order referrals; ties are broken by ID.")
class ReferralOrderInput:
    field: ReferralOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Sort direction; newest first by default."
    )

    def to_order(self) -> ReferralOrder:
        field: Literal["created_date", "updated_date"] = (
            "created_date" if self.field is ReferralOrderField.CREATED_DATE else "updated_date"
        )
        return ReferralOrder(field=field, descending=self.direction is OrderDirection.DESC)


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
            position=lambda row: Position(getattr(row, order.field), row.id),
            node=Referral.from_row,
            count=lambda: info.context.loaders.referral_count.load(where),
        )
