"""Objects built from rows (`from_row`) hold what their first, eager definitions held: every
field, deferred ones included (api.graph.types.deferred), read from the rows of db.reads."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any, ClassVar

import strawberry
from sqlalchemy import Row

from api.graph.relay.ids import to_global_id
from api.graph.types.activity import Activity
from api.graph.types.deferred import Deferred
from api.graph.types.organization import Organization
from api.graph.types.participant import Participant, User
from api.graph.types.referral import (
    AdditionalInformation,
    CustomerProfile,
    CustomerRequirements,
    Referral,
)
from db import reads
from db.access import Viewer
from db.engine import Database
from db.models import ParticipantStatus
from db.organizations import organizations_by_id
from db.paging import PageRequest
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral


def _fields(made: object) -> dict[str, Any]:
    """The fields `__init__` takes (those with resolvers are methods)."""
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    return {field.name: getattr(made, field.name) for field in fields if field.init}


def _eager_user(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": to_global_id("User", row.id),
        "organization_id": str(row.organization_id),
        "display_name": row.display_name,
        "email": row.email,
        "pk": row.id,
        "organization_pk": row.organization_id,
    }


def _eager_participant(row: Row[Any]) -> dict[str, Any]:
    inviter = row.invited_by_participant_id
    return {
        "id": to_global_id("Participant", row.id),
        "organization_id": str(row.organization_id),
        "status": row.status,
        "invited_by_participant_id": (
            None if inviter is None else to_global_id("Participant", inviter)
        ),
        "invited_date": row.invited_date,
        "responded_date": row.responded_date,
        "expires_date": row.expires_date,
        "pk": row.id,
        "referral_pk": row.referral_id,
        "invited_by_pk": inviter,
        "organization_pk": row.organization_id,
    }


def _eager_profile(row: Row[Any], viewpoint: uuid.UUID | None) -> dict[str, Any]:
    hidden = viewpoint is not None
    return {
        "id": to_global_id("CustomerProfile", row.id, viewpoint=viewpoint),
        "name": row.name,
        "address": {
            "address_line1": row.address_line1,
            "address_line2": row.address_line2,
            "city": row.city,
            "state": row.state or "",
            "postal_code": row.postal_code,
            "country": row.country,
            "region": row.region,
        },
        "contact": {
            "first_name": row.contact_first_name,
            "last_name": row.contact_last_name,
            "email": None if hidden else row.contact_email,
            "phone_number": None if hidden else row.contact_phone_number,
        },
        "size": row.size,
        "pk": row.id,
        "viewpoint": viewpoint,
    }


def _eager_referral(row: Row[Any], viewpoint: uuid.UUID | None) -> dict[str, Any]:
    return {
        "id": to_global_id("Referral", row.id, viewpoint=viewpoint),
        "name": row.name,
        "created_date": row.created_date,
        "updated_date": row.updated_date,
        "status": row.status,
        "status_reason": row.status_reason,
        "referral_source": row.referral_source,
        "type": row.type,
        "qualification": row.qualification,
        "external_reference_id": row.external_reference_id,
        "consent": {
            "share_info_with_others": row.consent_share_info_with_others,
            "contact_customer": row.consent_contact_customer,
            "share_with_microsoft_sellers": row.consent_share_with_microsoft_sellers,
        },
        "target": [{"id": item["id"], "type": item.get("type")} for item in row.target],
        "version": row.version,
        "pk": row.id,
        "owner_organization_pk": row.owner_organization_id,
        "viewpoint": viewpoint,
        "row": row,
    }


def _eager_activity(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": to_global_id("Activity", row.id),
        "type": row.type,
        "occurred_date": row.occurred_date,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "note": row.note,
        "referral_pk": row.referral_id,
        "actor_pk": row.actor_participant_id,
        "subject_pk": row.subject_participant_id,
        "pk": row.id,
    }


def _plain(value: Any) -> Any:
    """Nested Strawberry objects as dicts of their fields."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(item) for name, item in _fields(value).items()}
    return value


async def test_objects_from_rows_hold_what_the_eager_definitions_held(database: Database) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited = await make_actor(conn, "Invited")
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
        await make_participant(
            conn,
            rows.id,
            invited,
            invited_by=rows.owner_participant_id,
            invited=START - timedelta(hours=1),
            status=ParticipantStatus.INVITED,
        )
    viewer = Viewer(owner.organization_id, owner.user_id, START)
    async with database.engine.connect() as conn:
        (referral,) = await reads.referrals_by_id(conn, viewer, [rows.id])
        (participants,) = await reads.participants_by_referral(conn, viewer, [rows.id])
        users = await reads.users_by_participant(conn, viewer, [row.id for row in participants])
        (profile,) = await reads.customer_profiles_by_referral(conn, viewer, [rows.id])
        (requirements,) = await reads.requirements_by_referral(conn, viewer, [rows.id])
        (details,) = await reads.additional_information_by_referral(conn, viewer, [rows.id])
        (page,) = await reads.activity_pages_by_referral(conn, viewer, [(rows.id, PageRequest(10))])
        (organization,) = await organizations_by_id(conn, viewer, [owner.organization_id])
    assert referral is not None
    assert profile is not None
    assert organization is not None
    assert requirements is not None
    assert details is not None
    assert len(participants) == 2
    assert any(row.invited_by_participant_id for row in participants)
    assert [len(group) for group in users] == [1, 1]
    assert page.rows

    for row in participants:
        assert _plain(Participant.from_row(row)) == _eager_participant(row)
    for row in (row for group in users for row in group):
        assert _plain(User.from_row(row)) == _eager_user(row)
    for viewpoint in (None, participants[1].id):
        assert _plain(Referral.from_row(referral, viewpoint=viewpoint)) == _eager_referral(
            referral, viewpoint
        )
        assert _plain(CustomerProfile.from_row(profile, viewpoint=viewpoint)) == _eager_profile(
            profile, viewpoint
        )
    for row in page.rows:
        assert _plain(Activity.from_row(row)) == _eager_activity(row)
    assert _plain(Organization.from_row(organization)) == {
        "id": to_global_id("Organization", organization.id),
        "name": organization.name,
        "pk": organization.id,
    }
    assert _plain(CustomerRequirements.from_row(requirements)) == {
        name: getattr(requirements, name)
        for name in ("industries", "products", "services", "solutions", "customer_need")
    }
    assert _plain(AdditionalInformation.from_row(details)) == {
        name: getattr(details, name) for name in ("notes", "deal_value", "currency", "closing_date")
    }


def test_a_deferred_field_is_made_once_when_read_and_init_values_stand() -> None:
    pk, organization_pk = uuid.uuid4(), uuid.uuid4()
    assert isinstance(vars(User)["id"], Deferred)
    built = User(
        id=strawberry.ID("given"),
        organization_id=strawberry.ID("org"),
        display_name="Ana",
        email="ana@example.com",
        pk=pk,
        organization_pk=organization_pk,
    )
    assert (built.id, built.organization_id) == ("given", "org")  # __init__'s values stand

    made = User.from_row(_FakeRow(pk, organization_pk))  # type: ignore[arg-type]
    assert not {"id", "organization_id"} & set(vars(made))
    assert made.id == to_global_id("User", pk)
    assert vars(made)["id"] is made.id  # kept: the next read is a plain attribute
    assert made.organization_id == str(organization_pk)
    assert made == User(
        id=strawberry.ID(to_global_id("User", pk)),
        organization_id=strawberry.ID(str(organization_pk)),
        display_name="Ana",
        email="ana@example.com",
        pk=pk,
        organization_pk=organization_pk,
    )


class _FakeRow(tuple[Any, ...]):
    """A row of app_user's columns, positions included."""

    _key_to_index: ClassVar = {"id": 0, "organization_id": 1, "display_name": 2, "email": 3}

    def __new__(cls, pk: uuid.UUID, organization_pk: uuid.UUID) -> _FakeRow:
        return super().__new__(cls, (pk, organization_pk, "Ana", "ana@example.com"))
