"""Partner Center's Referral JSON (`v1.0/engagements/referrals`) and our referral, both ways.

`to_partner_center` writes one referral as an organization sees it (`db.referral_export`) in
Partner Center's shape and casing; `from_partner_center` reads such a record back into a
`ReferralDraft`, the status to reach and the fields it could not take. Reading only parses
the format (JSON types, Partner Center's enum spellings, date-times): every rule about the
values is `db.values`', applied when the import writes the draft, so an import refuses
exactly what `createReferral` refuses. `partner_center_path` spells a draft's field as the
record spells it, so a refusal names the field the file has.

Where Partner Center has no field for ours (`customerNeed`, an AgentLed or P2P source), the
record carries ours under our own name in the place Partner Center keeps its kind of value;
Partner Center's readers ignore fields they do not know, as ours does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from db.models import ParticipantStatus, ReferralSource, ReferralStatus
from db.referral_export import ReferralParts
from db.refusals import Path
from db.values import (
    AdditionalInformationValue,
    AddressValue,
    ContactValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralDraft,
)

# --- Partner Center's spellings -----------------------------------------------------------

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
_STORED_TOP = {
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
_STORED_PROFILE = {"name", "address", "team"}
_STORED_DETAILS = {"notes", "dealValue", "currency", "closingDateTime", "requirements"}
_STORED_REQUIREMENTS = {"industries", "products", "services", "solutions", "customerNeed"}
_ADDRESS = {
    "address_line1": "addressLine1",
    "address_line2": "addressLine2",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
}
_CONTACT = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone_number": "phoneNumber",
}
_INFORMATION = {"notes": "notes", "deal_value": "dealValue", "currency": "currency"}
_LISTS = ("industries", "products", "services")


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
    **{("customer_requirements", name): f"details.requirements.{name}" for name in _LISTS},
    **{("additional_information", k): f"details.{v}" for k, v in _INFORMATION.items()},
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- ours -> Partner Center ---------------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _member(display_name: str, email: str | None) -> dict[str, Any]:
    # Our users have one display name; Partner Center's members a first and a last name.
    first, _, last = display_name.partition(" ")
    return {"firstName": first, "lastName": last, "email": email}


def _viewer_participant(parts: ReferralParts, organization_id: Any) -> Any:
    """The organization's own participant: its open one, else its latest (as the graph's
    `viewerParticipant`)."""
    own = [p for p, _ in parts.participants if p.organization_id == organization_id]
    open_ = [p for p in own if p.status in (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED)]
    candidates = open_ or own
    return candidates[-1] if candidates else None


def _substatus(status: ReferralStatus, owned: bool, participation: Any) -> str:
    own = None if participation is None else participation.status
    if own is ParticipantStatus.REJECTED:
        return "Declined"
    if own in (ParticipantStatus.EXPIRED, ParticipantStatus.MISSED):
        return "Expired"
    if status is ReferralStatus.PENDING:
        return "Pending" if owned else "Received"
    return {ReferralStatus.ACTIVE: "Accepted", ReferralStatus.WON: "Won"}.get(status, "Lost")


def to_partner_center(parts: ReferralParts, organization_id: Any) -> dict[str, Any]:
    """One referral, as `organization_id` sees it, as a Partner Center Referral record."""
    row, profile = parts.referral, parts.customer_profile
    requirements, information = parts.requirements, parts.information
    owned = row.owner_organization_id == organization_id
    mine = _viewer_participant(parts, organization_id)
    substatus = _substatus(row.status, owned, mine)
    users = next((u for p, u in parts.participants if mine is not None and p.id == mine.id), [])
    inviter = next(
        (
            p
            for p, _ in parts.participants
            if mine is not None and p.id == mine.invited_by_participant_id
        ),
        None,
    )
    solutions = None if requirements is None else requirements.solutions
    return {
        "id": str(row.id),
        "name": row.name,
        "organizationId": str(organization_id),
        "createdDateTime": _instant(row.created_date),
        "updatedDateTime": _instant(row.updated_date),
        "expirationDateTime": _instant(
            mine.expires_date
            if mine is not None and mine.status is ParticipantStatus.INVITED
            else None
        ),
        "acceptedDateTime": _instant(
            mine.responded_date
            if mine is not None and mine.status is ParticipantStatus.ACCEPTED
            else None
        ),
        "status": SUBSTATUSES[substatus][0],
        "substatus": substatus,
        "statusReason": row.status_reason,
        "referralSource": SOURCES[row.referral_source],
        "direction": "Outgoing" if owned else "Incoming",
        "customerProfile": None
        if profile is None
        else {
            "name": profile.name,
            "address": {pc: getattr(profile, ours) for ours, pc in _ADDRESS.items()},
            "team": [{pc: getattr(profile, f"contact_{ours}") for ours, pc in _CONTACT.items()}],
        },
        "details": None
        if information is None
        else {
            "notes": information.notes,
            "dealValue": information.deal_value,
            "currency": information.currency,
            "closingDateTime": None
            if information.closing_date is None
            else f"{information.closing_date.isoformat()}T00:00:00Z",
            "requirements": None
            if requirements is None
            else {
                **{name: [{"id": item} for item in getattr(requirements, name)] for name in _LISTS},
                "solutions": [] if solutions is None else [{"name": solutions}],
                "customerNeed": requirements.customer_need,
            },
        },
        "team": [_member(user.display_name, user.email) for user in users],
        "inviteContext": None
        if owned or mine is None
        else {
            "notes": mine.note,
            "invitedBy": None
            if inviter is None
            else {
                "organizationId": str(inviter.organization_id),
                "organizationName": parts.organization_names.get(inviter.organization_id),
            },
        },
    }


def dumps(value: Any) -> str:
    """One JSON line; amounts as exact JSON numbers (json.dumps would need a float)."""
    if isinstance(value, dict):
        items = (f"{json.dumps(key, ensure_ascii=False)}:{dumps(v)}" for key, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def loads(line: str) -> Any:
    """One JSON line, numbers with a fraction as exact Decimals."""
    return json.loads(line, parse_float=Decimal)


# --- Partner Center -> ours ---------------------------------------------------------------


class FormatRefusal(Exception):
    """A record that does not read as a Partner Center Referral: (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where} {message}" for where, message in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """What a record asks for: the draft to create, the status to bring it to, and the
    record's fields an import does not take (read-only ones, and ones we do not store)."""

    draft: ReferralDraft
    status: ReferralStatus
    status_reason: Any
    read_only: list[str] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)


def from_partner_center(record: Any) -> ImportRecord:
    """A Partner Center Referral record as a draft and a status; FormatRefusal when its JSON
    types or Partner Center spellings are wrong (the values themselves `db.values` checks)."""
    if not isinstance(record, dict):
        raise FormatRefusal([("(record)", "must be a JSON object")])
    errors: list[tuple[str, str]] = []
    status = _status(record, errors)
    source = _source(record.get("referralSource"), errors)
    profile = record.get("customerProfile")
    details = record.get("details")
    requirements = details.get("requirements") if isinstance(details, dict) else None
    draft = ReferralDraft(
        name=record.get("name"),
        referral_source=source,
        customer_profile=_profile(profile),
        customer_requirements=_requirements(requirements),
        additional_information=_information(details, errors),
    )
    if errors:
        raise FormatRefusal(errors)
    read_only: list[str] = []
    not_stored: list[str] = []
    _unused(record, _STORED_TOP, "", read_only, not_stored)
    if isinstance(profile, dict):
        _unused(profile, _STORED_PROFILE, "customerProfile.", [], not_stored)
        team = profile.get("team")
        if isinstance(team, list) and len(team) > 1:
            not_stored.append("customerProfile.team[1:]")
    if isinstance(details, dict):
        _unused(details, _STORED_DETAILS, "details.", [], not_stored)
    if isinstance(requirements, dict):
        _unused(requirements, _STORED_REQUIREMENTS, "details.requirements.", [], not_stored)
    return ImportRecord(draft, status, record.get("statusReason"), read_only, not_stored)


def _unused(
    section: dict[str, Any], stored: set[str], prefix: str, read_only: list[str], other: list[str]
) -> None:
    for key, value in section.items():
        if key in stored or value is None or value == [] or value == {}:
            continue  # an empty field loses nothing
        (read_only if key in READ_ONLY else other).append(prefix + key)


def _status(record: dict[str, Any], errors: list[tuple[str, str]]) -> ReferralStatus:
    status, substatus = record.get("status"), record.get("substatus")
    if substatus is not None:
        if substatus not in SUBSTATUSES:
            errors.append(("substatus", f"must be one of {', '.join(SUBSTATUSES)}"))
            return ReferralStatus.PENDING
        belongs, ours = SUBSTATUSES[substatus]
        if status is not None and status != belongs:
            errors.append(("status", f"is {status}, but substatus {substatus} is {belongs}"))
        if ours is None:
            errors.append(
                (
                    "substatus",
                    f"is {substatus}: another organization's referral that yours did not "
                    "take; only referrals your organization works are imported",
                )
            )
        return ours or ReferralStatus.PENDING
    if status is None:
        return ReferralStatus.PENDING
    if status in STATUSES:
        return STATUSES[status]
    if status == "Closed":
        errors.append(("substatus", "is required for a Closed referral: Won or Lost"))
    else:
        errors.append(("status", "must be one of New, Active, Closed"))
    return ReferralStatus.PENDING


def _source(value: Any, errors: list[tuple[str, str]]) -> ReferralSource:
    # Partner Center fills referralSource only for marketplace leads: a record without one
    # is a partner's own lead.
    if value is None:
        return ReferralSource.PARTNER_LED
    for source, spelling in SOURCES.items():
        if value in (spelling, source.value):
            return source
    errors.append(("referralSource", f"must be one of {', '.join(SOURCES.values())}"))
    return ReferralSource.PARTNER_LED


def _profile(profile: Any) -> Any:
    if not isinstance(profile, dict):
        return profile  # None: "is required"; anything else "must be an object"
    address, team = profile.get("address"), profile.get("team")
    # Partner Center writes the customer's team as a list, and in places as one object.
    member = (team[0] if team else None) if isinstance(team, list) else team
    return CustomerProfileValue(
        name=profile.get("name"),
        address=AddressValue(**{ours: address.get(pc) for ours, pc in _ADDRESS.items()})
        if isinstance(address, dict)
        else address,
        contact=ContactValue(**{ours: member.get(pc) for ours, pc in _CONTACT.items()})
        if isinstance(member, dict)
        else member,
    )


def _requirements(requirements: Any) -> Any:
    if not isinstance(requirements, dict):
        return requirements
    lists = {name: _names(requirements.get(name)) for name in _LISTS}
    solutions = requirements.get("solutions")
    if isinstance(solutions, list):
        names = _names(solutions)
        solutions = (
            "; ".join(names)
            if names and all(isinstance(n, str) for n in names)
            else (names or None)
        )
    return CustomerRequirementsValue(
        **lists, solutions=solutions, customer_need=requirements.get("customerNeed")
    )


def _names(items: Any) -> Any:
    """Partner Center's [{"id": ...}] (or [{"name": ...}], or plain text) as a list of text."""
    if not isinstance(items, list):
        return items
    return [
        (item.get("name") or item.get("id")) if isinstance(item, dict) else item for item in items
    ]


def _information(details: Any, errors: list[tuple[str, str]]) -> Any:
    if not isinstance(details, dict):
        return details
    value: Any = details.get("dealValue")
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return AdditionalInformationValue(
        notes=details.get("notes"),
        deal_value=value,
        currency=details.get("currency"),
        closing_date=_date(details.get("closingDateTime"), errors),
    )


def _date(value: Any, errors: list[tuple[str, str]]) -> date | None:
    """Partner Center's closing date-time as our closing date: its day in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    errors.append(("details.closingDateTime", "must be a date-time like 2027-03-31T00:00:00Z"))
    return None
