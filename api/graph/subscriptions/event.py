"""The ReferralEvent type: what a subscriber receives for each activity a change wrote."""

from __future__ import annotations

import strawberry

from api.graph.types.activity import Activity
from api.graph.types.referral import Referral


@strawberry.type(
    description="A committed change to a referral: the history entry it wrote, and the referral "
    "as it stands when the event is delivered."
)
class ReferralEvent:
    event_id: strawberry.ID = strawberry.field(
        description="The event's stable ID (a UUID, the same as its activity's): the same "
        "event always has the same ID, on every worker and when replayed, so receivers can "
        "drop duplicates by it."
    )
    cursor: str = strawberry.field(
        description="Opaque position of the event in the event log. Pass the last one "
        "received as `after` to `referralEvents` to resume without missing or repeating an "
        "event, or to `events` to page the feed from there."
    )
    activity: Activity = strawberry.field(
        description="What happened: the activity the change wrote to the referral's history."
    )
    referral: Referral = strawberry.field(
        description="The referral's state when the event is delivered, as your organization "
        "sees it (contact details only for ACCEPTED participants)."
    )
