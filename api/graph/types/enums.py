"""The domain enums as GraphQL enums, each value described with its stable seed ordinal."""

from __future__ import annotations

from enum import Enum

import strawberry

from db.models import (
    ActivityType,
    CustomerSize,
    ParticipantStatus,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralSubstatus,
    ReferralType,
)


def graphql_enum(
    enum: type[Enum], description: str, values: dict[str, str], *, name: str | None = None
) -> None:
    """Register `enum` with GraphQL, describing every value (a missing one is a bug)."""
    if set(values) != set(enum.__members__):
        raise ValueError(f"describe every value of {enum.__name__}")
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]


graphql_enum(
    ReferralStatus,
    "Where a referral stands. PENDING -> ACTIVE -> WON or LOST; PENDING -> LOST. "
    "WON and LOST are terminal.",
    {
        "PENDING": "Ordinal 0. Created, no invited partner has accepted yet.",
        "ACTIVE": "Ordinal 1. Being worked: activated, or an invited partner accepted.",
        "WON": "Ordinal 2. Closed as won. Terminal: the referral no longer changes.",
        "LOST": "Ordinal 3. Closed as lost, with a statusReason. Terminal.",
    },
)

graphql_enum(
    ReferralSource,
    "Where a referral came from.",
    {
        "WEB_DIRECT": "Ordinal 0. The customer came directly through the web.",
        "PARTNER_LED": "Ordinal 1. A partner organization brought the lead.",
        "AGENT_LED": "Ordinal 2. A Microsoft agent brought the lead.",
        "P2P": "Ordinal 3. Partner-to-partner: shared by another partner organization.",
    },
)

graphql_enum(
    ParticipantStatus,
    "Where an organization's participation (its invitation) stands.",
    {
        "INVITED": "Ordinal 0. Invited, not yet answered; sees the lead without contact details.",
        "ACCEPTED": "Ordinal 1. Works the referral: the owner, or an accepted invitation.",
        "REJECTED": "Ordinal 2. The invited organization declined.",
        "EXPIRED": "Ordinal 3. Unanswered past its window (14 days by default).",
        "MISSED": "Ordinal 4. The referral closed (WON or LOST) while the invitation was open.",
    },
)

graphql_enum(
    ActivityType,
    "What happened to a referral; every change writes exactly one activity.",
    {
        "CREATED": "The referral was created.",
        "UPDATED": "The referral's details were edited.",
        "STATUS_CHANGED": "The referral's status changed (see fromStatus and toStatus).",
        "PARTICIPANT_INVITED": "An organization was invited (the subject participant).",
        "INVITATION_ACCEPTED": "An invited organization accepted.",
        "INVITATION_REJECTED": "An invited organization declined.",
        "INVITATION_EXPIRED": "An invitation passed its window without an answer.",
        "INVITATION_MISSED": "An open invitation was closed because the referral was closed.",
        "NOTE_ADDED": "A participant added a note.",
    },
)


graphql_enum(
    ReferralType,
    "Who works the lead (Partner Center's ReferralType: Independent, Shared).",
    {
        "INDEPENDENT": "One partner works the lead (Partner Center: Independent). The default.",
        "SHARED": "Co-sell: the lead is worked together with others (Partner Center: Shared).",
    },
)

graphql_enum(
    ReferralQualification,
    "How far the lead was qualified (Partner Center's ReferralQualification).",
    {
        "NONE": "Not qualified (Partner Center: None). The default.",
        "DIRECT": "Came straight from the customer (Partner Center: Direct).",
        "MARKETING_QUALIFIED": "Qualified by marketing (Partner Center: MarketingQualified).",
        "SALES_QUALIFIED": "Qualified by sales (Partner Center: SalesQualified).",
    },
)

graphql_enum(
    ReferralSubstatus,
    "The referral's status as your organization sees it (Partner Center's "
    "ReferralSubstatus), derived from its status and your own participation, never stored. "
    "Partner Center groups these under its statuses New (PENDING, RECEIVED), Active "
    "(ACCEPTED) and Closed (WON, LOST, DECLINED, EXPIRED).",
    {
        "PENDING": "Yours, and no invited partner has accepted yet (referral PENDING).",
        "RECEIVED": "Your organization was invited and has not answered yet.",
        "ACCEPTED": "Being worked, by you among others (referral ACTIVE).",
        "WON": "Closed as won.",
        "LOST": "Closed as lost.",
        "DECLINED": "Your organization rejected its invitation.",
        "EXPIRED": "Your invitation ended unanswered: past its window, or the referral closed "
        "first (participant EXPIRED or MISSED).",
    },
)

graphql_enum(
    CustomerSize,
    "How many employees the customer has: Partner Center's bands (CustomerProfile.size), "
    "named here as identifiers. Partner Center offers three broad bands and, in newer "
    "referrals, seven narrower ones; both sets are accepted.",
    {
        "SIZE_1_TO_50": "1 to 50 employees (Partner Center: 1to50employees).",
        "SIZE_51_TO_500": "51 to 500 employees (Partner Center: 51to500employees).",
        "SIZE_MORE_THAN_500": "More than 500 employees (Partner Center: Morethan500employees).",
        "SIZE_1_TO_9": "1 to 9 employees (Partner Center: 1to9employees).",
        "SIZE_10_TO_50": "10 to 50 employees (Partner Center: 10to50employees).",
        "SIZE_51_TO_250": "51 to 250 employees (Partner Center: 51to250employees).",
        "SIZE_251_TO_1000": "251 to 1,000 employees (Partner Center: 251to1000employees).",
        "SIZE_1001_TO_5000": "1,001 to 5,000 employees (Partner Center: 1001to5000employees).",
        "SIZE_5001_TO_10000": "5,001 to 10,000 employees (Partner Center: 5001to10000employees).",
        "SIZE_10001_TO_20000": "10,001 to 20,000 employees (Partner Center: "
        "10001to20000employees).",
        "SIZE_MORE_THAN_20000": "More than 20,000 employees (Partner Center: "
        "Morethan20000employees).",
    },
)


class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


graphql_enum(
    OrderDirection,
    "Sort direction.",
    {
        "ASC": "Ascending: oldest date, smallest amount, name from 'A' on.",
        "DESC": "Descending: newest date, largest amount, name from 'z' back.",
    },
)


class ReferralOrderField(Enum):
    CREATED_DATE = "created_date"
    UPDATED_DATE = "updated_date"
    DEAL_VALUE = "deal_value"
    CLOSING_DATE = "closing_date"
    NAME = "name"


graphql_enum(
    ReferralOrderField,
    "What to order referrals by; ties are broken by ID. Referrals without a value of a "
    "nullable field (deal value, closing date) come last in either direction.",
    {
        "CREATED_DATE": "When the referral was created.",
        "UPDATED_DATE": "When the referral last changed.",
        "DEAL_VALUE": "The deal value's amount, whatever its currency (filter by `currency` "
        "to compare like with like); referrals without one come last in either direction.",
        "CLOSING_DATE": "The expected closing date; referrals without one come last in "
        "either direction.",
        "NAME": "The referral's name, by Unicode code point (so 'Z' before 'a'), the same on "
        "every database.",
    },
)


class ReferralDirection(Enum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


graphql_enum(
    ReferralDirection,
    "Whose referral it is, from your organization's point of view.",
    {
        "INCOMING": "Another organization owns it and invited yours.",
        "OUTGOING": "Your organization owns it (created it).",
    },
)

__all__ = [
    "ActivityType",
    "CustomerSize",
    "OrderDirection",
    "ParticipantStatus",
    "ReferralDirection",
    "ReferralOrderField",
    "ReferralQualification",
    "ReferralSource",
    "ReferralStatus",
    "ReferralSubstatus",
    "ReferralType",
]
