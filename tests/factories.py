"""Small factories that insert rows directly, so each test builds exactly the data it needs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from db import events
from db.models import ActivityType, ParticipantStatus, ReferralSource, ReferralStatus
from db.tables import (
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    organization,
    participant,
    participant_user,
    referral,
)
from db.writes.steps import record
from tests.helpers import Actor


async def make_actor(conn: AsyncConnection, name: str = "Org") -> Actor:
    """An organization with one user: who a test acts as."""
    org_id, user_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute(organization.insert().values(id=org_id, name=name))
    await conn.execute(
        app_user.insert().values(
            id=user_id,
            organization_id=org_id,
            display_name=f"{name} User",
            email=f"user@{name.lower().replace(' ', '-')}.example",
        )
    )
    return Actor(org_id, user_id)


@dataclass(frozen=True)
class ReferralRows:
    id: uuid.UUID
    owner_participant_id: uuid.UUID
    customer_profile_id: uuid.UUID


async def make_referral(
    conn: AsyncConnection,
    owner: Actor,
    *,
    created: datetime,
    updated: datetime | None = None,
    name: str = "Contoso - Teams rollout",
    status: ReferralStatus = ReferralStatus.PENDING,
    source: ReferralSource = ReferralSource.PARTNER_LED,
    customer_name: str = "Contoso Ltd",
    contact: tuple[str, str] = ("Ana", "Ruiz"),
    country: str = "US",
) -> ReferralRows:
    """A referral with its customer profile, requirements, details and owner participant."""
    referral_id, owner_id, profile_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        referral.insert().values(
            id=referral_id,
            name=name,
            status=status,
            status_reason="Customer chose another vendor"
            if status is ReferralStatus.LOST
            else None,
            referral_source=source,
            owner_organization_id=owner.organization_id,
            version=1,
            created_date=created,
            updated_date=updated or created,
        )
    )
    await conn.execute(
        customer_profile.insert().values(
            id=profile_id,
            referral_id=referral_id,
            name=customer_name,
            address_line1="1 Main Street",
            address_line2=None,
            city="Seattle",
            state="WA",
            postal_code="98101",
            country=country,
            contact_first_name=contact[0],
            contact_last_name=contact[1],
            contact_email="contact@customer.example",
            contact_phone_number="+14255550100",
        )
    )
    await conn.execute(
        customer_requirements.insert().values(
            referral_id=referral_id,
            industries=["Retail"],
            products=["Microsoft Teams"],
            services=["Deployment"],
            solutions="Modern work",
            customer_need="Hybrid meetings",
        )
    )
    await conn.execute(
        additional_information.insert().values(
            referral_id=referral_id,
            notes="Warm lead",
            deal_value=Decimal("125000.50"),
            currency="USD",
            closing_date=(created + timedelta(days=90)).date(),
        )
    )
    await conn.execute(
        participant.insert().values(
            id=owner_id,
            referral_id=referral_id,
            organization_id=owner.organization_id,
            status=ParticipantStatus.ACCEPTED,
            invited_date=created,
            responded_date=created,
        )
    )
    await conn.execute(
        participant_user.insert().values(participant_id=owner_id, user_id=owner.user_id, position=0)
    )
    await make_activity(
        conn,
        referral_id,
        ActivityType.CREATED,
        created,
        actor=owner_id,
        to_status=ReferralStatus.PENDING,
    )
    return ReferralRows(referral_id, owner_id, profile_id)


async def make_participant(
    conn: AsyncConnection,
    referral_id: uuid.UUID,
    member: Actor,
    *,
    invited_by: uuid.UUID,
    invited: datetime,
    status: ParticipantStatus = ParticipantStatus.INVITED,
    window: timedelta = timedelta(days=14),
) -> uuid.UUID:
    """An invited organization's participant (answered if `status` says so), with its user."""
    participant_id = uuid.uuid4()
    answered = status in (ParticipantStatus.ACCEPTED, ParticipantStatus.REJECTED)
    await conn.execute(
        participant.insert().values(
            id=participant_id,
            referral_id=referral_id,
            organization_id=member.organization_id,
            status=status,
            invited_by_participant_id=invited_by,
            invited_date=invited,
            responded_date=invited + timedelta(hours=1) if answered else None,
            expires_date=invited + window,
        )
    )
    await conn.execute(
        participant_user.insert().values(
            participant_id=participant_id, user_id=member.user_id, position=0
        )
    )
    await make_activity(
        conn,
        referral_id,
        ActivityType.PARTICIPANT_INVITED,
        invited,
        actor=invited_by,
        subject=participant_id,
    )
    return participant_id


async def make_activity(
    conn: AsyncConnection,
    referral_id: uuid.UUID,
    type_: ActivityType,
    occurred: datetime,
    *,
    actor: uuid.UUID | None = None,
    subject: uuid.UUID | None = None,
    from_status: ReferralStatus | None = None,
    to_status: ReferralStatus | None = None,
    note: str | None = None,
) -> uuid.UUID:
    """An activity as the write path records it, at a time of the test's choosing."""
    return await record(
        conn,
        referral_id,
        type_,
        occurred,
        actor=actor,
        subject=subject,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


@asynccontextmanager
async def logging_events(conn: AsyncConnection) -> AsyncIterator[None]:
    """Within it, activities made on `conn` are appended to the event log, as the write path
    does (at the block's end, in its transaction)."""
    outbox = events.Outbox.open(conn)
    try:
        yield
        await outbox.seal()
    finally:
        outbox.close()


def new_referral(**overrides: Any) -> dict[str, Any]:
    """A valid createReferral input, as a client sends it; `overrides` replace its fields."""
    body: dict[str, Any] = {
        "name": "Contoso - Teams rollout",
        "referralSource": "PARTNER_LED",
        "customerProfile": {
            "name": "Contoso Ltd",
            "address": {
                "addressLine1": "1 Main Street",
                "city": "Seattle",
                "state": "WA",
                "postalCode": "98101",
                "country": "us",
            },
            "contact": {
                "firstName": "Ana",
                "lastName": "Ruiz",
                "email": "ana@Contoso.example",
                "phoneNumber": "(425) 555-0100",
            },
        },
    }
    body.update(overrides)
    return body
