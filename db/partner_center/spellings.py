"""Partner Center's names for our fields and enum values, and which of its fields we store."""

from __future__ import annotations

from db.models import (
    CustomerSize,
    ReferralQualification,
    ReferralSource,
    ReferralStatus,
    ReferralSubstatus,
    ReferralType,
)
from db.refusals import Path

SOURCES = {
    ReferralSource.WEB_DIRECT: "WebDirect",
    ReferralSource.PARTNER_LED: "PartnerLed",
    ReferralSource.AGENT_LED: "AgentLed",
    ReferralSource.P2P: "P2P",
}
TYPES = {ReferralType.INDEPENDENT: "Independent", ReferralType.SHARED: "Shared"}
QUALIFICATIONS = {
    ReferralQualification.NONE: "None",
    ReferralQualification.DIRECT: "Direct",
    ReferralQualification.MARKETING_QUALIFIED: "MarketingQualified",
    ReferralQualification.SALES_QUALIFIED: "SalesQualified",
}
SIZES = {
    CustomerSize.SIZE_1_TO_50: "1to50employees",
    CustomerSize.SIZE_51_TO_500: "51to500employees",
    CustomerSize.SIZE_MORE_THAN_500: "Morethan500employees",
    CustomerSize.SIZE_1_TO_9: "1to9employees",
    CustomerSize.SIZE_10_TO_50: "10to50employees",
    CustomerSize.SIZE_51_TO_250: "51to250employees",
    CustomerSize.SIZE_251_TO_1000: "251to1000employees",
    CustomerSize.SIZE_1001_TO_5000: "1001to5000employees",
    CustomerSize.SIZE_5001_TO_10000: "5001to10000employees",
    CustomerSize.SIZE_10001_TO_20000: "10001to20000employees",
    CustomerSize.SIZE_MORE_THAN_20000: "Morethan20000employees",
}
# Partner Center's own spelling, "ToTo" included; its create call's documentation writes
# consentToShareInfoWithOthers, which an import takes too.
CONSENT = {
    "share_info_with_others": "consentToToShareInfoWithOthers",
    "contact_customer": "consentToContact",
    "share_with_microsoft_sellers": "consentToShareReferralWithMicrosoftSellers",
}
CONSENT_ALIASES = {"consentToShareInfoWithOthers": "share_info_with_others"}
# Partner Center's status is New, Active or Closed; its substatus says which kind of each.
SUBSTATUSES: dict[str, tuple[str, ReferralStatus | None]] = {
    "Pending": ("New", ReferralStatus.PENDING),
    "Received": ("New", ReferralStatus.PENDING),
    "Accepted": ("Active", ReferralStatus.ACTIVE),
    "Engaged": ("Active", ReferralStatus.ACTIVE),
    "Won": ("Closed", ReferralStatus.WON),
    "Lost": ("Closed", ReferralStatus.LOST),
    # Another organization's lead that this one declined or let lapse: nothing to work.
    "Declined": ("Closed", None),
    "Expired": ("Closed", None),
    "Error": ("Closed", None),
}
STATUSES = {"New": ReferralStatus.PENDING, "Active": ReferralStatus.ACTIVE}
# Our derived substatus (db.rules.substatus) in Partner Center's spelling.
SUBSTATUS_NAMES = {member: member.value.title() for member in ReferralSubstatus}

STORED_TOP = {
    "name",
    "externalReferenceId",
    "status",
    "substatus",
    "statusReason",
    "type",
    "qualification",
    "referralSource",
    "target",
    "customerProfile",
    "consent",
    "details",
}
# Fields Partner Center assigns or derives: an import assigns its own.
READ_ONLY = {
    "id",
    "engagementId",
    "organizationId",
    "organizationName",
    "createdDateTime",
    "updatedDateTime",
    "acceptedDateTime",
    "expirationDateTime",
    "closedDateTime",
    "eTag",
    "direction",
    "team",
    "inviteContext",
    "links",
}
STORED_PROFILE = {"name", "size", "address", "team"}
STORED_DETAILS = {"notes", "dealValue", "currency", "closingDateTime", "requirements"}
STORED_REQUIREMENTS = {"industries", "products", "services", "solutions", "customerNeed"}
ADDRESS = {
    "address_line1": "addressLine1",
    "address_line2": "addressLine2",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
    "region": "region",
}
CONTACT = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone_number": "phoneNumber",
}
LISTS = ("industries", "products", "services")


# Our sections (a draft's Python path) -> the record's, for refusals that name the field;
# fields below them keep their names, in camelCase.
_PATHS: dict[Path, str] = {
    ("customer_profile", "contact"): "customerProfile.team[0]",
    ("customer_requirements",): "details.requirements",
    ("additional_information",): "details",
    ("additional_information", "closing_date"): "details.closingDateTime",
    **{("consent", ours): f"consent.{pc}" for ours, pc in CONSENT.items()},
}


def partner_center_path(path: Path) -> str:
    """The record's name for a draft's field, e.g. ("customer_profile", "contact", "email")
    -> "customerProfile.team[0].email", ("target", "0", "id") -> "target[0].id"."""
    for length in range(len(path), 0, -1):
        known = _PATHS.get(path[:length])
        if known is not None:
            return known + _rest(path[length:])
    return _rest(path).removeprefix(".") or "(record)"


def _rest(parts: Path) -> str:
    return "".join(f"[{part}]" if part.isdigit() else f".{_camel(part)}" for part in parts)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
