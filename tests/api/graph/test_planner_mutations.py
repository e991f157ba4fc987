"""The contract's mutations answer alike on the planned executor and graphql-core's, each
app on its own copy of the same seeded database (issue 14)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.auth.tokens import mint_token
from api.settings import Settings
from bench.workload import new_referral
from db.writes import steps
from tests.api.graph.planner_twins import (
    CONTRACT,
    VIEWERS,
)
from tests.fuzz.seed import seed_demo
from tests.helpers import MovableClock

NEW_REFERRAL = new_referral("Twin deal")


def _mutation(name: str) -> str:
    return (CONTRACT / "mutations" / f"{name}.graphql").read_text()


class _Ids:
    """New rows' IDs in the order they are made, the same for either app."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> uuid.UUID:
        self.count += 1
        return uuid.UUID(int=(0xD1FF << 112) + self.count)


async def test_the_contract_mutations_answer_alike_on_twin_databases(
    sqlite_template: Path, tmp_path: Path, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mutation changes what both apps read, so each app gets its own copy of the same
    # seeded database, and new rows get the same IDs in both (their order is the writes').
    apps = []
    for name, planner in (("standard", False), ("planned", True)):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{path}", gc_tuning=False, query_planner=planner
        )
        apps.append((settings, create_app(settings, clock=clock)))
    async with LifespanManager(apps[0][1]), LifespanManager(apps[1][1]):
        seeds = []
        for _, app in apps:
            async with app.state.database.engine.begin() as conn:
                seeds.append(await seed_demo(conn))
        assert seeds[0] == seeds[1]  # the demo data is deterministic
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
            for _, app in apps
        ]
        ids = [_Ids(), _Ids()]
        bodies: list[list[Any]] = [[], []]

        async def both(
            query: str, variables: dict[str, Any], viewer: int, operation: str | None = None
        ) -> Any:
            organization = VIEWERS[viewer]
            for side, (settings, _) in enumerate(apps):
                monkeypatch.setattr(uuid, "uuid4", ids[side])
                monkeypatch.setattr(steps, "uuid7", ids[side])
                token = mint_token(
                    settings,
                    organization_id=organization.id,
                    user_id=organization.demo_user_id,
                    now=clock(),
                )
                response = await clients[side].post(
                    "/graphql",
                    json={"query": query, "variables": variables, "operationName": operation},
                    headers={"Authorization": f"Bearer {token}"},
                )
                bodies[side].append((response.status_code, response.json()))
            assert bodies[1][-1] == bodies[0][-1], query
            return bodies[0][-1][1]

        created = await both(_mutation("CreateReferral"), {"input": NEW_REFERRAL}, 0)
        referral = created["data"]["createReferral"]["referral"]
        assert referral, created
        invited = await both(
            _mutation("InviteParticipant"),
            {"input": {"referralId": referral["id"], "organizationId": str(VIEWERS[1].id)}},
            0,
        )
        participant = invited["data"]["inviteParticipant"]["participant"]
        assert participant, invited
        page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text()
        await both(page, {"first": 5}, 1)  # the invited organization's masked view
        answer = (CONTRACT / "mutations" / "AnswerInvitation.graphql").read_text()
        accepted = await both(
            answer, {"input": {"participantId": participant["id"]}}, 1, "AcceptInvitation"
        )
        assert accepted["data"]["acceptInvitation"]["participant"]["status"] == "ACCEPTED"
        refused = await both(  # answered already: a user error
            answer, {"input": {"participantId": participant["id"]}}, 1, "RejectInvitation"
        )
        assert refused["data"]["rejectInvitation"]["userErrors"], refused
        changed = await both(
            _mutation("ChangeReferralStatus"),
            {"input": {"id": referral["id"], "status": "ACTIVE"}},
            0,
        )
        assert changed["data"]["changeReferralStatus"]["referral"], changed
        await both(page, {"first": 5}, 1)
        for client in clients:
            await client.aclose()
