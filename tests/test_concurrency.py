"""Racing writers through the ASGI app: exactly one of each conflicting group wins."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from api.ids import to_global_id
from db.models import ParticipantStatus, ReferralStatus
from db.tables import activity, referral
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Api

CHANGE_STATUS = """mutation ($input: ChangeReferralStatusInput!) {
  changeReferralStatus(input: $input) { referral { status version } userErrors { code } } }"""
ACCEPT = """mutation ($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { participant { status } userErrors { code } } }"""
REJECT = """mutation ($input: RejectInvitationInput!) {
  rejectInvitation(input: $input) { participant { status } userErrors { code } } }"""
GROUP = 20


async def _state(api: Api, referral_id: uuid.UUID) -> tuple[int, ReferralStatus, int]:
    async with api.database.engine.connect() as conn:
        row = (
            await conn.execute(
                select(referral.c.version, referral.c.status).where(referral.c.id == referral_id)
            )
        ).one()
        activities = await conn.scalar(
            select(func.count()).select_from(activity).where(activity.c.referral_id == referral_id)
        )
    return row.version, row.status, int(activities or 0)


def _outcomes(responses: list[dict[str, Any]]) -> Counter[str]:
    """'OK' per success, else the user error code, per response."""
    outcomes: Counter[str] = Counter()
    for data in responses:
        (payload,) = data.values()
        errors = payload["userErrors"]
        outcomes[errors[0]["code"] if errors else "OK"] += 1
    return outcomes


async def test_conflicting_mutations_have_exactly_one_winner_each(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        created = START - timedelta(days=1)
        # Group A: closing with the same expectedVersion; group B: closing without one.
        versioned = await make_referral(conn, owner, created=created, status=ReferralStatus.ACTIVE)
        unversioned = await make_referral(
            conn, owner, created=created, status=ReferralStatus.ACTIVE
        )
        # Group C: the invited organization answering its one invitation, yes and no at once.
        invited = await make_referral(conn, owner, created=created)
        invitation = await make_participant(
            conn,
            invited.id,
            partner,
            invited_by=invited.owner_participant_id,
            invited=created + timedelta(hours=1),
        )
    before = {rows.id: await _state(api, rows.id) for rows in (versioned, unversioned, invited)}

    def close(rows_id: uuid.UUID, index: int, version: int | None) -> Any:
        status = "WON" if index % 2 else "LOST"
        body: dict[str, Any] = {"id": to_global_id("Referral", rows_id), "status": status}
        if status == "LOST":
            body["statusReason"] = f"Lost in race {index}"
        if version is not None:
            body["expectedVersion"] = version
        return api.query(CHANGE_STATUS, {"input": body}, actor=owner)

    def answer(index: int) -> Any:
        body = {"participantId": to_global_id("Participant", invitation)}
        return api.query(ACCEPT if index % 2 else REJECT, {"input": body}, actor=partner)

    requests = (
        [close(versioned.id, i, before[versioned.id][0]) for i in range(GROUP)]
        + [close(unversioned.id, i, None) for i in range(GROUP)]
        + [answer(i) for i in range(GROUP)]
    )
    responses = await asyncio.gather(*requests)

    groups = {
        versioned.id: (responses[:GROUP], "CONFLICT"),
        unversioned.id: (responses[GROUP : 2 * GROUP], "INVALID_TRANSITION"),
        invited.id: (responses[2 * GROUP :], "INVALID_TRANSITION"),
    }
    for referral_id, (group, losing_code) in groups.items():
        outcomes = _outcomes(group)
        assert outcomes == {"OK": 1, losing_code: GROUP - 1}, (referral_id, outcomes)
        version, status, activities = await _state(api, referral_id)
        first_version, _, first_activities = before[referral_id]
        assert version == first_version + 1  # one success, one version
        assert activities == first_activities + 1  # one success, one history entry
        if referral_id != invited.id:
            assert status in (ReferralStatus.WON, ReferralStatus.LOST)
    winner = next(
        data["acceptInvitation" if "acceptInvitation" in data else "rejectInvitation"]
        for data in responses[2 * GROUP :]
        if not next(iter(data.values()))["userErrors"]
    )
    accepted = winner["participant"]["status"] == ParticipantStatus.ACCEPTED.value
    _, status, _ = await _state(api, invited.id)
    # The first acceptance activates; a rejection leaves the referral PENDING.
    assert status is (ReferralStatus.ACTIVE if accepted else ReferralStatus.PENDING)


async def test_concurrent_notes_all_land(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        rows = await make_referral(conn, owner, created=START - timedelta(days=1))
    note = """mutation ($input: AddReferralNoteInput!) {
      addReferralNote(input: $input) { referral { version } userErrors { code } } }"""
    referral_id = to_global_id("Referral", rows.id)

    responses = await asyncio.gather(
        *(
            api.query(note, {"input": {"referralId": referral_id, "note": f"n{i}"}}, actor=owner)
            for i in range(GROUP)
        )
    )

    # Writes that do not conflict (no expectedVersion) all succeed: no lost update.
    assert _outcomes(responses) == {"OK": GROUP}
    # Each payload shows the referral as it is when read back: at or after its own change.
    assert all(2 <= r["addReferralNote"]["referral"]["version"] <= GROUP + 1 for r in responses)
    version, _, activities = await _state(api, rows.id)
    assert (version, activities) == (1 + GROUP, 1 + GROUP)
