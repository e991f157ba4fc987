"""The referrals list: what it filters and orders by, as SQL, and one page of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer, referral_as_read, viewer_participates, visible_referral_ids
from db.columns import money_order, text_order
from db.models import ParticipantStatus, ReferralSource, ReferralStatus
from db.paging import Page, PageRequest, SortValue, order_terms, to_page, window_conditions
from db.search import folded_contains
from db.tables import additional_information, customer_profile, referral

OrderField = Literal["created_date", "updated_date", "deal_value", "closing_date", "name"]


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    """Conditions a referral must meet to be listed; None means no condition."""

    statuses: tuple[ReferralStatus, ...] | None = None
    sources: tuple[ReferralSource, ...] | None = None
    country: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    search: str | None = None
    # True: the viewer's organization owns it (outgoing); False: it was invited (incoming).
    owned: bool | None = None
    viewer_participant_statuses: tuple[ParticipantStatus, ...] | None = None
    invitation_expires_before: datetime | None = None
    # Deal value bounds (inclusive) count only in `currency`.
    currency: str | None = None
    deal_value_min: Decimal | None = None
    deal_value_max: Decimal | None = None
    closing_date_from: date | None = None
    closing_date_to: date | None = None
    # The viewer's own referral with this CRM key (keys are the owner's: at most one).
    external_reference_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReferralOrder:
    field: OrderField = "created_date"
    descending: bool = True

    @property
    def value_kind(self) -> type[SortValue]:
        """The type of this ordering's sort values, as its cursors carry them."""
        return _VALUE_KINDS[self.field]

    @property
    def nullable(self) -> bool:
        """Whether some referrals have no sort value: those come last in either direction."""
        return self.field in ("deal_value", "closing_date")


_VALUE_KINDS: dict[OrderField, type[SortValue]] = {
    "created_date": datetime,
    "updated_date": datetime,
    "deal_value": Decimal,
    "closing_date": date,
    "name": str,
}


def filtered(viewer: Viewer, where: ReferralFilter) -> Select[Any]:
    """The referrals the viewer sees that meet `where`, as a SELECT of the referral table."""
    stmt = select(*referral_as_read(viewer)).where(referral.c.id.in_(visible_referral_ids(viewer)))
    if where.statuses is not None:
        stmt = stmt.where(referral.c.status.in_(where.statuses))
    if where.sources is not None:
        stmt = stmt.where(referral.c.referral_source.in_(where.sources))
    for column, bound, later in (
        (referral.c.created_date, where.created_after, True),
        (referral.c.created_date, where.created_before, False),
        (referral.c.updated_date, where.updated_after, True),
        (referral.c.updated_date, where.updated_before, False),
    ):
        if bound is not None:
            stmt = stmt.where(column >= bound if later else column < bound)
    if where.external_reference_id is not None:
        stmt = stmt.where(
            referral.c.owner_organization_id == viewer.organization_id,
            referral.c.external_reference_id == where.external_reference_id,
        )
    if where.owned is not None:
        owner = referral.c.owner_organization_id
        mine = owner == viewer.organization_id
        stmt = stmt.where(mine if where.owned else owner != viewer.organization_id)
    if where.viewer_participant_statuses is not None:
        stmt = stmt.where(
            viewer_participates(viewer, referral.c.id, statuses=where.viewer_participant_statuses)
        )
    if where.invitation_expires_before is not None:
        stmt = stmt.where(
            viewer_participates(
                viewer,
                referral.c.id,
                open_invitation_expires_before=where.invitation_expires_before,
            )
        )
    information = _information_terms(where)
    if information:
        stmt = stmt.where(
            referral.c.id.in_(select(additional_information.c.referral_id).where(*information))
        )
    if where.country is not None:
        stmt = stmt.where(
            referral.c.id.in_(
                select(customer_profile.c.referral_id).where(
                    customer_profile.c.country == where.country
                )
            )
        )
    if where.search:
        stmt = stmt.where(_search(where.search))
    return stmt


def _information_terms(where: ReferralFilter) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = []
    if where.currency is not None:
        terms.append(additional_information.c.currency == where.currency)
    amount = money_order(additional_information.c.deal_value)
    if where.deal_value_min is not None:
        terms.append(amount >= where.deal_value_min)
    if where.deal_value_max is not None:
        terms.append(amount <= where.deal_value_max)
    closing = additional_information.c.closing_date
    if where.closing_date_from is not None:
        terms.append(closing >= where.closing_date_from)
    if where.closing_date_to is not None:
        terms.append(closing <= where.closing_date_to)
    return terms


def _search(text: str) -> ColumnElement[bool]:
    """Case-insensitive `text` in the referral's name, its customer's or its contact's name."""
    full_name = customer_profile.c.contact_first_name + " " + customer_profile.c.contact_last_name
    customers = select(customer_profile.c.referral_id).where(
        or_(*(folded_contains(column, text) for column in (customer_profile.c.name, full_name)))
    )
    return or_(folded_contains(referral.c.name, text), referral.c.id.in_(customers))


def sort_expressions(order: ReferralOrder) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """What a page compares and orders by, and the id that breaks ties: those of the
    additional information (which a nullable ordering joins) or of the referral."""
    information = additional_information.c
    if order.field == "deal_value":
        return money_order(information.deal_value), information.referral_id
    if order.field == "closing_date":
        return information.closing_date, information.referral_id
    if order.field == "name":
        return text_order(referral.c.name), referral.c.id
    return referral.c[order.field], referral.c.id


def sort_value(order: ReferralOrder, row: Any) -> SortValue:
    """The value a page row is ordered by, for its cursor."""
    value: SortValue = getattr(row, "sort_value" if order.nullable else order.field)
    return value


async def referral_page(
    conn: AsyncConnection,
    viewer: Viewer,
    *,
    where: ReferralFilter,
    order: ReferralOrder,
    request: PageRequest,
) -> Page:
    """One page of the referrals the viewer sees, in `order`, one statement."""
    sort, id_ = sort_expressions(order)
    stmt = filtered(viewer, where)
    if order.nullable:
        # Every referral has its additional information row (written with it).
        column = additional_information.c[order.field]
        stmt = stmt.join(
            additional_information, additional_information.c.referral_id == referral.c.id
        ).add_columns(column.label("sort_value"))
    nullable = order.nullable
    stmt = (
        stmt.where(
            *window_conditions(
                sort, id_, descending=order.descending, request=request, nullable=nullable
            )
        )
        .order_by(
            *order_terms(sort, id_, descending=order.descending, request=request, nullable=nullable)
        )
        .limit(request.limit + 1)
    )
    rows = (await conn.execute(stmt)).all()
    return to_page(rows, request)
