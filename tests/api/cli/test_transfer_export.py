"""`referrals export`: JSON Lines on standard output, and the same referrals the graph shows."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from db.access import Viewer
from db.demo import DEMO_ORGANIZATIONS, DemoOrganization, DemoSize, load_demo
from db.partner_center import to_partner_center
from db.referral_export import visible_referrals
from tests.api.cli.transfer_support import (
    OWNER,
    demo_database,
    run,
)
from tests.conftest import START
from tests.helpers import Actor, Api


async def test_export_to_standard_output_is_json_lines_without_a_progress_bar(
    tmp_path: Path, sqlite_template: Path
) -> None:
    source = await demo_database(tmp_path, sqlite_template, referrals=12)
    result = await asyncio.to_thread(
        run, source, "export", "--organization", str(OWNER.id), "--output", "-"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    records = [json.loads(line) for line in lines]  # every line is a record, nothing else
    assert records
    assert all(r["organizationId"] == str(OWNER.id) for r in records)
    assert result.stderr == f"Exported {len(records)} referrals.\n"


GRAPH_VIEW = """query ($after: String) { referrals(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id status substatus externalReferenceId
          customerProfile { contact { email phoneNumber } } } } }"""


@pytest.mark.parametrize("organization", DEMO_ORGANIZATIONS[:3], ids=lambda o: o.name)
async def test_an_export_shows_what_the_graph_shows_the_organization(
    api: Api, organization: DemoOrganization
) -> None:
    async with api.database.engine.begin() as conn:
        await load_demo(conn, now=START, size=DemoSize(referrals=60))
    actor = Actor(organization.id, organization.demo_user_id)
    seen: dict[str, Any] = {}
    after = None
    while True:
        page = (await api.query(GRAPH_VIEW, {"after": after}, actor=actor))["referrals"]
        seen |= {node["id"]: node for node in page["nodes"]}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    viewer = Viewer(organization.id, organization.demo_user_id, api.clock())
    exported = [
        to_partner_center(parts, organization.id)
        async for page in visible_referrals(api.database.engine, viewer)
        for parts in page
    ]
    assert {to_global_id("Referral", uuid.UUID(r["id"])) for r in exported} == set(seen)
    masked = 0
    for record in exported:
        node = seen[to_global_id("Referral", uuid.UUID(record["id"]))]
        contact = record["customerProfile"]["team"][0]
        assert (contact["email"], contact["phoneNumber"]) == (
            node["customerProfile"]["contact"]["email"],
            node["customerProfile"]["contact"]["phoneNumber"],
        )
        assert record["externalReferenceId"] == node["externalReferenceId"]
        assert record["substatus"].upper() == node["substatus"]
        masked += contact["email"] is None
    assert 0 < masked < len(exported)
