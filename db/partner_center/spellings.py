"""Partner Center's names for our fields and enum values, and which of its fields we store."""

from __future__ import annotations

from db.models import ReferralSource, ReferralStatus
from db.refusals import Path

SOURCES = {
    ReferralSource.WEB_DIRECT: "WebDirect",
    ReferralSource.PARTNER_LED: "PartnerLed",
    ReferralSource.AGENT_LED: "AgentLed",
    ReferralSource.P2P: "P2P",
}
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

# Our field (a draft's Python path) -> the record's, for refusals that name the field.
_PATHS: dict[Path, str] = {
    ("name",): "name",
    ("referral_source",): "referralSource",
    ("status_reason",): "statusReason",
    ("customer_profile",): "customerProfile",
    ("customer_profile", "name"): "customerProfile.name",
    ("customer_profile", "address"): "customerProfile.address",
    ("customer_profile", "contact"): "customerProfile.team[0]",
    ("customer_requirements",): "details.requirements",
    ("customer_requirements", "solutions"): "details.requirements.solutions",
    ("customer_requirements", "customer_need"): "details.requirements.customerNeed",
    ("additional_information",): "details",
    ("additional_information", "closing_date"): "details.closingDateTime",
}
STORED_TOP = {
    "name",
    "status",
    "substatus",
    "statusReason",
    "referralSource",
    "customerProfile",
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
STORED_PROFILE = {"name", "address", "team"}
STORED_DETAILS = {"notes", "dealValue", "currency", "closingDateTime", "requirements"}
STORED_REQUIREMENTS = {"industries", "products", "services", "solutions", "customerNeed"}
ADDRESS = {
    "address_line1": "addressLine1",
    "address_line2": "addressLine2",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
}
CONTACT = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone_number": "phoneNumber",
}
INFORMATION = {"notes": "notes", "deal_value": "dealValue", "currency": "currency"}
LISTS = ("industries", "products", "services")


def partner_center_path(path: Path) -> str:
    """The record's name for a draft's field, e.g. ("customer_profile", "contact", "email")
    -> "customerProfile.team[0].email"; list items as [i]."""
    for length in range(len(path), 0, -1):
        known = _PATHS.get(path[:length])
        if known is not None:
            return known + "".join(f".{_camel(part)}" for part in path[length:])
        known = _SECTION_PATHS.get(path[:length])
        if known is not None:
            rest = path[length:]
            return known + "".join(
                f"[{part}]" if part.isdigit() else f".{_camel(part)}" for part in rest
            )
    return ".".join(_camel(part) for part in path) or "(record)"


_SECTION_PATHS: dict[Path, str] = {
    **{("customer_requirements", name): f"details.requirements.{name}" for name in LISTS},
    **{("additional_information", k): f"details.{v}" for k, v in INFORMATION.items()},
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
