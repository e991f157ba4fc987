"""Counts of the referrals a filter matches, by facet: one aggregate statement per facet.

Each facet groups exactly the rows the `referrals` list pages through (`db.reads`' filter,
visibility included), so a count can never disagree with the list it summarises.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer
from db.models import ReferralSource, ReferralStatus

# The list's own filter, reused as is so the counts and the list cannot drift apart.
from db.referral_list import ReferralFilter, filtered
from db.tables import additional_information, customer_profile


class Facet(Enum):
    """What referrals are counted by."""

    STATUS = "status"
    SOURCE = "referral_source"
    COUNTRY = "country"
    MONTH_CREATED = "month_created"
    DEAL_VALUE = "deal_value"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Referrals sharing one value of a facet; `total` sums their deal values (DEAL_VALUE)."""

    key: Any
    count: int
    total: Decimal | None = None


FacetKey = tuple[Facet, ReferralFilter]


def month_created(created: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """The UTC year-month ("2026-11") of a timestamp, the same text on both engines.

    SQLite stores naive UTC text, which `strftime` reads as UTC; PostgreSQL's timestamptz
    is converted to UTC first, since `to_char` would otherwise use the session's time zone.
    """
    if dialect == "sqlite":
        return func.strftime("%Y-%m", created)
    return func.to_char(func.timezone("UTC", created), "YYYY-MM")


def _statement(facet: Facet, where: ReferralFilter, viewer: Viewer, dialect: str) -> Select[Any]:
    matched = filtered(viewer, where).subquery()
    if facet is Facet.STATUS:
        key: ColumnElement[Any] = matched.c.status
        source: Any = matched
    elif facet is Facet.SOURCE:
        key, source = matched.c.referral_source, matched
    elif facet is Facet.MONTH_CREATED:
        key, source = month_created(matched.c.created_date, dialect), matched
    elif facet is Facet.COUNTRY:
        key = customer_profile.c.country
        source = matched.join(customer_profile, customer_profile.c.referral_id == matched.c.id)
    else:
        return _deal_values(matched, dialect)
    grouped = key.label("key")
    return select(grouped, func.count().label("n")).select_from(source).group_by(grouped)


def _deal_values(matched: Any, dialect: str) -> Select[Any]:
    """Deal values by currency. PostgreSQL sums NUMERIC exactly; SQLite stores them as text
    and would sum them as floats, so there each distinct value is counted and Python adds."""
    joined = matched.join(
        additional_information, additional_information.c.referral_id == matched.c.id
    )
    currency = additional_information.c.currency.label("key")
    value = additional_information.c.deal_value
    stmt = select(currency, func.count().label("n")).select_from(joined)
    stmt = stmt.where(value.is_not(None))
    if dialect == "sqlite":
        return stmt.add_columns(value.label("each")).group_by(currency, value)
    return stmt.add_columns(func.sum(value).label("total")).group_by(currency)


def _buckets(facet: Facet, rows: Sequence[Any]) -> list[Bucket]:
    if facet is Facet.DEAL_VALUE:
        # Exact whatever the magnitude: 18-digit values, summed in a wide enough context.
        sums: dict[str, tuple[int, Decimal]] = {}
        with decimal.localcontext(prec=60):
            for row in rows:
                fields = row._mapping
                amount = fields["total"] if "total" in fields else fields["each"] * row.n
                count, total = sums.get(row.key, (0, Decimal("0.00")))
                sums[row.key] = (count + row.n, total + amount)
        return [Bucket(key, n, total) for key, (n, total) in sorted(sums.items())]
    buckets = [Bucket(row.key, row.n) for row in rows]
    if facet is Facet.COUNTRY:
        return sorted(buckets, key=lambda bucket: (-bucket.count, bucket.key))
    if facet is Facet.MONTH_CREATED:
        return sorted(buckets, key=lambda bucket: bucket.key)
    # Every status (or source) has its bucket, zero included: a tab per value, in seed order.
    found = {bucket.key: bucket.count for bucket in buckets}
    members = list(ReferralStatus if facet is Facet.STATUS else ReferralSource)
    return [Bucket(member, found.get(member, 0)) for member in members]


async def facet_counts(
    conn: AsyncConnection, viewer: Viewer, keys: Sequence[FacetKey]
) -> list[list[Bucket]]:
    """The buckets of each (facet, filter): one statement per distinct key."""
    dialect = conn.dialect.name
    found: dict[FacetKey, list[Bucket]] = {}
    for facet, where in dict.fromkeys(keys):
        rows = (await conn.execute(_statement(facet, where, viewer, dialect))).all()
        found[(facet, where)] = _buckets(facet, rows)
    return [found[key] for key in keys]
