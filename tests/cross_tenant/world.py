"""The world: the caller's organization, the others, and IDs like theirs that name nothing."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from api.graph.relay.ids import to_global_id
from db.models import ParticipantStatus
from db.tables import activity
from tests.conftest import START
from tests.cross_tenant.webhook_rows import webhook_ids
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor, Api


@dataclass(frozen=True)
class World:
    caller: Actor
    own: dict[str, str]  # an own global ID of each node type
    foreign: dict[str, str]  # a description -> a global ID of another organization's row
    invitee: Actor  # an organization the caller may invite to its referral
    own_invitations: tuple[str, str]  # the caller's INVITED participants (accept, reject)
    foreign_referral: uuid.UUID
    lonely: Actor  # an organization that shares no referral with the caller


def raw_id(global_id: str) -> tuple[str, str]:
    padded = global_id + "=" * (-len(global_id) % 4)
    type_name, _, key = base64.urlsafe_b64decode(padded).decode().partition(":")
    return type_name, key


def encode(text: str, *, pad: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode()
    return encoded if pad else encoded.rstrip("=")


SPELLINGS: dict[str, Callable[[str, str], str]] = {
    "": lambda type_name, key: encode(f"{type_name}:{key}"),
    " padded": lambda type_name, key: encode(f"{type_name}:{key}", pad=True),
    " hyphenated": lambda type_name, key: encode(f"{type_name}:{uuid.UUID(hex=key)}"),
    " upper case": lambda type_name, key: encode(f"{type_name}:{key.upper()}"),
}


def counterpart(global_id: str) -> str:
    """An ID spelled like `global_id`, under the same type name, of a key that does not exist
    (for a participant's view: of a row and a participant that do not exist)."""
    type_name, key = raw_id(global_id)
    if ":" in key:
        return encode(f"{type_name}:{uuid.uuid4().hex}:{uuid.uuid4().hex}")
    for spelling in SPELLINGS.values():
        if spelling(type_name, key) == global_id:
            return spelling(type_name, uuid.uuid4().hex)
    raise AssertionError(f"no spelling makes {global_id!r}")


async def _ids(api: Api, table: Any, column: Any, value: uuid.UUID) -> list[uuid.UUID]:
    async with api.database.engine.connect() as conn:
        rows = await conn.execute(select(table.c.id).where(column == value).order_by(table.c.id))
        return list(rows.scalars())


async def build_world(api: Api) -> World:
    """Organizations of their own, so that worlds built in one database do not meet."""
    created = START - timedelta(days=3)
    async with api.database.engine.begin() as conn:
        caller = await make_actor(conn, "Caller")
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        third = await make_actor(conn, "Third")
        invitee = await make_actor(conn, "Invitee")
        lonely = await make_actor(conn, "Lonely")
        prospect = await make_actor(conn, "Prospect")
        mine = await make_referral(conn, caller, created=created, name="Ours")
        # Its INVITED participant's view of the caller's referral has IDs of its own.
        own_viewpoint = await make_participant(
            conn, mine.id, prospect, invited_by=mine.owner_participant_id, invited=created
        )
        theirs = await make_referral(conn, owner, created=created, name="Theirs")
        invited = await make_participant(
            conn,
            theirs.id,
            partner,
            invited_by=theirs.owner_participant_id,
            invited=START - timedelta(days=1),
        )
        invitations = []
        for name in ("For acceptance", "For rejection"):
            shared = await make_referral(conn, third, created=created, name=name)
            invitations.append(
                await make_participant(
                    conn,
                    shared.id,
                    caller,
                    invited_by=shared.owner_participant_id,
                    invited=START - timedelta(days=1),
                    status=ParticipantStatus.INVITED,
                )
            )
    own_activity = (await _ids(api, activity, activity.c.referral_id, mine.id))[0]
    foreign_activities = await _ids(api, activity, activity.c.referral_id, theirs.id)
    foreign = {
        "Referral": to_global_id("Referral", theirs.id),
        "CustomerProfile": to_global_id("CustomerProfile", theirs.customer_profile_id),
        "owner Participant": to_global_id("Participant", theirs.owner_participant_id),
        "invited Participant": to_global_id("Participant", invited),
        "owner's User": to_global_id("User", owner.user_id),
        "invited User": to_global_id("User", partner.user_id),
        "lonely User": to_global_id("User", lonely.user_id),
        **{
            f"Activity {index}": to_global_id("Activity", pk)
            for index, pk in enumerate(foreign_activities)
        },
        # Forged: real foreign keys under another type name.
        "Referral key as Participant": to_global_id("Participant", theirs.id),
        "Referral key as CustomerProfile": to_global_id("CustomerProfile", theirs.id),
        "Participant key as Referral": to_global_id("Referral", theirs.owner_participant_id),
        "CustomerProfile key as Referral": to_global_id("Referral", theirs.customer_profile_id),
        "User key as Participant": to_global_id("Participant", owner.user_id),
        "Activity key as Referral": to_global_id("Referral", foreign_activities[0]),
        # Participants' views (issue 10): of the foreign referral, and forged ones pairing a
        # row with a participant of another referral.
        "Referral view of the invited Participant": to_global_id(
            "Referral", theirs.id, viewpoint=invited
        ),
        "CustomerProfile view of the invited Participant": to_global_id(
            "CustomerProfile", theirs.customer_profile_id, viewpoint=invited
        ),
        "own Referral viewed by a foreign Participant": to_global_id(
            "Referral", mine.id, viewpoint=invited
        ),
        "foreign Referral viewed by an own Participant": to_global_id(
            "Referral", theirs.id, viewpoint=mine.owner_participant_id
        ),
        "own CustomerProfile viewed by an own Participant of another referral": to_global_id(
            "CustomerProfile", mine.customer_profile_id, viewpoint=invitations[0]
        ),
        # Forged: other spellings of a real foreign key.
        **{
            f"Referral{spelling}": make("Referral", theirs.id.hex)
            for spelling, make in SPELLINGS.items()
            if spelling
        },
        **{
            f"invited Participant{spelling}": make("Participant", invited.hex)
            for spelling, make in SPELLINGS.items()
            if spelling
        },
    }
    own = {
        "Referral": to_global_id("Referral", mine.id),
        "CustomerProfile": to_global_id("CustomerProfile", mine.customer_profile_id),
        "Participant": to_global_id("Participant", mine.owner_participant_id),
        "User": to_global_id("User", caller.user_id),
        "Activity": to_global_id("Activity", own_activity),
        # Not only its own: any organization's ID and name are every organization's to see.
        "Organization": to_global_id("Organization", caller.organization_id),
        "Referral view": to_global_id("Referral", mine.id, viewpoint=own_viewpoint),
        "CustomerProfile view": to_global_id(
            "CustomerProfile", mine.customer_profile_id, viewpoint=own_viewpoint
        ),
    }
    own_hooks, foreign_hooks = await webhook_ids(api, caller, mine.id, owner, theirs.id)
    return World(
        caller=caller,
        own=own | own_hooks,
        foreign=foreign | foreign_hooks,
        invitee=invitee,
        own_invitations=(
            to_global_id("Participant", invitations[0]),
            to_global_id("Participant", invitations[1]),
        ),
        foreign_referral=theirs.id,
        lonely=lonely,
    )
