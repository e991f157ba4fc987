"""db.organizations: id and name for everyone, a participant's only where its referral shows."""

from __future__ import annotations

import uuid

from db import organizations
from db.access import Viewer
from db.engine import Database
from db.paging import PageRequest, Position
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor
from tests.statements import statements


def _viewer(actor: Actor) -> Viewer:
    return Viewer(actor.organization_id, actor.user_id, START)


async def test_any_organization_by_id_and_a_participant_s_only_where_its_referral_shows(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        viewer, owner, partner = [
            await make_actor(conn, name) for name in ("Viewer", "Owner", "Partner")
        ]
        theirs = await make_referral(conn, owner, created=START)
        invited = await make_participant(
            conn, theirs.id, partner, invited_by=theirs.owner_participant_id, invited=START
        )
        mine = await make_referral(conn, viewer, created=START)
    async with database.engine.connect() as conn:
        with statements(database) as seen:
            by_id = await organizations.organizations_by_id(
                conn, _viewer(viewer), [owner.organization_id, uuid.uuid4()]
            )
            by_participant = await organizations.organizations_by_participant(
                conn, _viewer(viewer), [invited, mine.owner_participant_id, uuid.uuid4()]
            )
    assert len(seen) == 2
    assert [row.name if row else None for row in by_id] == ["Owner", None]
    # The partner's participation is in a referral the viewer does not see: nothing of it.
    assert [row.name if row else None for row in by_participant] == [None, "Viewer", None]
    owner_row = by_id[0]
    assert owner_row is not None
    assert set(owner_row._fields) == {"id", "name"}  # nothing but the ID and the name


async def test_pages_by_name_after_a_position_without_the_viewer(database: Database) -> None:
    async with database.engine.begin() as conn:
        viewer = await make_actor(conn, "Beta")
        for name in ("Alpha", "Gamma", "Delta"):
            await make_actor(conn, name)
    async with database.engine.connect() as conn:
        first = await organizations.organization_page(
            conn, _viewer(viewer), search=None, request=PageRequest(limit=2)
        )
        last = first.rows[-1]
        rest = await organizations.organization_page(
            conn,
            _viewer(viewer),
            search=None,
            request=PageRequest(limit=2, after=Position(last.name, last.id)),
        )
        (count,) = await organizations.organization_counts(conn, _viewer(viewer), ["TA"])
    assert [row.name for row in first.rows] == ["Alpha", "Delta"]
    assert first.has_next_page
    assert [row.name for row in rest.rows] == ["Gamma"]
    assert not rest.has_next_page
    assert count == 1  # Delta; Beta matches too, but it is the viewer's own
