"""`referralCounts`: how many referrals a filter matches, in all and by facet."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.context import Info
from api.graph.types.enums import ReferralSource, ReferralStatus
from db.counts import Bucket, Facet
from db.referral_list import ReferralFilter


@strawberry.type(description="How many of the matching referrals have one status.")
class ReferralStatusCount:
    key: ReferralStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Matching referrals with this status (may be 0).")


@strawberry.type(description="How many of the matching referrals came from one source.")
class ReferralSourceCount:
    key: ReferralSource = strawberry.field(description="The source (`referralSource`).")
    count: int = strawberry.field(description="Matching referrals from this source (may be 0).")


@strawberry.type(description="How many of the matching referrals share one text value.")
class ReferralKeyCount:
    key: str = strawberry.field(
        description="The value: a country code (ISO 3166-1 alpha-2) or a month ('2026-11')."
    )
    count: int = strawberry.field(description="Matching referrals with this value (at least 1).")


@strawberry.type(description="The deal values of the matching referrals in one currency.")
class CurrencySum:
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. 'EUR'.")
    sum: Decimal = strawberry.field(
        description="Their deal values added up exactly (a decimal string, never rounded)."
    )
    count: int = strawberry.field(description="Matching referrals with a deal value in it.")


@strawberry.type(
    description="Counts of the referrals a filter matches, under the same rules as the "
    "`referrals` list: the referrals your organization takes part in, filtered alike. "
    "Each facet counts every matching referral once."
)
class ReferralCounts:
    where: strawberry.Private[ReferralFilter]

    @strawberry.field(description="How many referrals match: `referrals.totalCount`.")
    async def total(self, info: Info) -> int:
        return await info.context.loaders.referral_count.load(self.where)

    @strawberry.field(
        description="Matching referrals by status: every status once, in ordinal order, "
        "zero counts included (a tab per status)."
    )
    async def by_status(self, info: Info) -> list[ReferralStatusCount]:
        return [
            ReferralStatusCount(key=b.key, count=b.count)
            for b in await self._of(info, Facet.STATUS)
        ]

    @strawberry.field(
        description="Matching referrals by `referralSource`: every source once, in ordinal "
        "order, zero counts included."
    )
    async def by_source(self, info: Info) -> list[ReferralSourceCount]:
        return [
            ReferralSourceCount(key=b.key, count=b.count)
            for b in await self._of(info, Facet.SOURCE)
        ]

    @strawberry.field(
        description="Matching referrals by the customer's address country (ISO 3166-1 "
        "alpha-2): countries with at least one, the most referrals first, ties by code."
    )
    async def by_country(self, info: Info) -> list[ReferralKeyCount]:
        return _keyed(await self._of(info, Facet.COUNTRY))

    @strawberry.field(
        description="Matching referrals by the year and month of `createdDate` in UTC "
        "('2026-11'): months with at least one, oldest first."
    )
    async def by_month_created(self, info: Info) -> list[ReferralKeyCount]:
        return _keyed(await self._of(info, Facet.MONTH_CREATED))

    @strawberry.field(
        description="The deal values of the matching referrals, added up per currency "
        "(amounts in different currencies are never added together); referrals without a "
        "deal value are left out. By currency code."
    )
    async def deal_value_by_currency(self, info: Info) -> list[CurrencySum]:
        return [
            CurrencySum(currency=b.key, sum=b.total or Decimal("0.00"), count=b.count)
            for b in await self._of(info, Facet.DEAL_VALUE)
        ]

    async def _of(self, info: Info, facet: Facet) -> list[Bucket]:
        return await info.context.loaders.facet_counts.load((facet, self.where))


def _keyed(buckets: list[Bucket]) -> list[ReferralKeyCount]:
    return [ReferralKeyCount(key=bucket.key, count=bucket.count) for bucket in buckets]
