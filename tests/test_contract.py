"""The frontends' operations validate against schema.graphql and run against demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from api.graph.relay.ids import to_global_id
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from tests.conftest import START
from tests.factories import new_referral
from tests.helpers import Actor, Api

CONTRACT = Path(__file__).parent / "contract"
SCHEMA = Path(__file__).parents[1] / "schema.graphql"
OPERATIONS = sorted(CONTRACT.glob("queries/*.graphql")) + sorted(
    CONTRACT.glob("mutations/*.graphql")
)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda path: path.parent.name + "/" + path.stem)
def test_operation_validates_against_the_committed_schema(path: Path) -> None:
    errors = validate(build_schema(SCHEMA.read_text()), parse(path.read_text()))
    assert errors == []


def test_the_contract_is_not_empty() -> None:
    assert {path.stem for path in OPERATIONS} >= {
        "InvitePicker",
        "InboxPage",
        "NodeLookup",
        "ReferralCounts",
        "ReferralDetail",
        "ReferralPage",
        "ReferralSearch",
    }


async def _demo(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        await load_demo(conn, now=START, size=DemoSize(referrals=40))
    demo = DEMO_ORGANIZATIONS[0]
    return Actor(demo.id, demo.demo_user_id)


def _operation(name: str, kind: str = "queries") -> str:
    return (CONTRACT / kind / f"{name}.graphql").read_text()


async def test_referral_page_pages_through_demo_data(api: Api) -> None:
    actor = await _demo(api)
    first = (await api.query(_operation("ReferralPage"), {"first": 5}, actor=actor))["referrals"]
    assert first["totalCount"] > 5
    assert len(first["edges"]) == 5
    assert all(edge["node"]["customerProfile"]["name"] for edge in first["edges"])
    assert all(edge["node"]["participants"] for edge in first["edges"])
    second = (
        await api.query(
            _operation("ReferralPage"),
            {"first": 5, "after": first["pageInfo"]["endCursor"]},
            actor=actor,
        )
    )["referrals"]
    seen = {edge["node"]["id"] for edge in first["edges"]}
    assert not seen & {edge["node"]["id"] for edge in second["edges"]}
    dates = [e["node"]["createdDate"] for e in first["edges"] + second["edges"]]
    assert dates == sorted(dates, reverse=True)


async def test_referral_detail_shows_one_referral_in_full(api: Api) -> None:
    actor = await _demo(api)
    page = await api.query(_operation("ReferralPage"), {"first": 1}, actor=actor)
    referral_id = page["referrals"]["edges"][0]["node"]["id"]

    detail = (await api.query(_operation("ReferralDetail"), {"id": referral_id}, actor=actor))[
        "referral"
    ]

    assert detail["id"] == referral_id
    assert detail["customerProfile"]["address"]["country"]
    assert detail["owner"]["organizationId"]
    assert detail["activities"]["totalCount"] >= 5
    assert detail["activities"]["nodes"][0]["type"] == "CREATED"
    # An ACCEPTED participant's view is the referral as the viewer sees it, under its ID; any
    # other participant's view hides the contact, so it has an ID of its own (issue 10).
    for participant in detail["participants"]:
        same = participant["referralView"]["id"] == referral_id
        assert same is (participant["status"] == "ACCEPTED"), participant


async def test_referral_search_filters_demo_data(api: Api) -> None:
    actor = await _demo(api)
    everything = await api.query(_operation("ReferralSearch"), {"first": 100}, actor=actor)
    nodes: list[dict[str, Any]] = everything["referrals"]["nodes"]
    customer = nodes[0]["customerProfile"]["name"]
    country = nodes[0]["customerProfile"]["address"]["country"]

    found = (
        await api.query(
            _operation("ReferralSearch"),
            {"search": customer.upper(), "country": country, "status": [nodes[0]["status"]]},
            actor=actor,
        )
    )["referrals"]

    assert found["totalCount"] >= 1
    assert all(n["customerProfile"]["address"]["country"] == country for n in found["nodes"])
    assert nodes[0]["id"] in {n["id"] for n in found["nodes"]}
    updated = [n["updatedDate"] for n in found["nodes"]]
    assert updated == sorted(updated, reverse=True)


async def test_node_lookup_refreshes_cached_objects(api: Api) -> None:
    actor = await _demo(api)
    detail = await api.query(
        "{ referrals(first: 2) { nodes { id participants { id status } } } }", actor=actor
    )
    referrals = detail["referrals"]["nodes"]
    ids = [referrals[0]["id"], referrals[0]["participants"][0]["id"], referrals[1]["id"]]
    operation = _operation("NodeLookup")

    found = (await api.query(operation, {"ids": ids}, actor=actor))["nodes"]

    assert [node["id"] for node in found] == ids
    assert [node["__typename"] for node in found] == ["Referral", "Participant", "Referral"]
    assert found[0]["version"] >= 1
    assert found[1]["participantStatus"] == referrals[0]["participants"][0]["status"]


async def test_referral_counts_summarise_what_the_list_shows(api: Api) -> None:
    actor = await _demo(api)
    listed = (await api.query(_operation("ReferralSearch"), {"first": 100}, actor=actor))[
        "referrals"
    ]
    counts = (await api.query(_operation("ReferralCounts"), {}, actor=actor))["referralCounts"]

    assert counts["total"] == listed["totalCount"] == len(listed["nodes"])
    statuses = {bucket["key"]: bucket["count"] for bucket in counts["byStatus"]}
    assert statuses == {s: sum(n["status"] == s for n in listed["nodes"]) for s in statuses}
    for facet in ("bySource", "byCountry", "byMonthCreated"):
        assert sum(bucket["count"] for bucket in counts[facet]) == counts["total"], facet
    assert counts["dealValueByCurrency"], "demo referrals carry deal values"
    country = counts["byCountry"][0]["key"]
    narrowed = (
        await api.query(
            _operation("ReferralCounts"), {"country": country, "status": ["ACTIVE"]}, actor=actor
        )
    )["referralCounts"]
    assert narrowed["byCountry"] == [{"key": country, "count": narrowed["total"]}]
    assert [b["key"] for b in narrowed["byStatus"] if b["count"]] in ([], ["ACTIVE"])


async def test_my_referrals_names_the_viewer_and_its_buttons(api: Api) -> None:
    actor = await _demo(api)
    data = await api.query(_operation("MyReferrals"), {"first": 40}, actor=actor)
    assert data["viewer"]["organization"] == {
        "id": to_global_id("Organization", DEMO_ORGANIZATIONS[0].id),
        "name": DEMO_ORGANIZATIONS[0].name,
    }
    assert data["viewer"]["user"]["id"]
    nodes = data["referrals"]["nodes"]
    assert all(node["viewerParticipant"] for node in nodes)
    # Demo data holds referrals this organization may work and ones it may only answer.
    assert any(node["viewerCan"]["update"] for node in nodes)
    assert any(not node["viewerCan"]["update"] for node in nodes)


async def test_invite_picker_finds_a_partner_whose_id_invites_it(api: Api) -> None:
    actor = await _demo(api)
    picker = _operation("InvitePicker")
    everyone = (await api.query(picker, {"first": 100}, actor=actor))["organizations"]
    names = [node["name"] for node in everyone["nodes"]]
    assert everyone["totalCount"] == len(DEMO_ORGANIZATIONS) - 1  # all but the viewer's own
    assert DEMO_ORGANIZATIONS[0].name not in names
    first = (await api.query(picker, {"first": 2}, actor=actor))["organizations"]
    second = (
        await api.query(picker, {"first": 2, "after": first["pageInfo"]["endCursor"]}, actor=actor)
    )["organizations"]
    assert [node["name"] for node in first["nodes"] + second["nodes"]] == names[:4]

    (partner,) = (await api.query(picker, {"search": "CLOUD partn"}, actor=actor))["organizations"][
        "nodes"
    ]
    assert partner["name"] == "Fabrikam Cloud Partners"
    created = await api.query(
        _operation("CreateReferral", "mutations"), {"input": new_referral()}, actor=actor
    )
    referral_id = created["createReferral"]["referral"]["id"]
    invited = (
        await api.query(
            _operation("InviteParticipant", "mutations"),
            {"input": {"referralId": referral_id, "organizationId": partner["id"]}},
            actor=actor,
        )
    )["inviteParticipant"]
    assert invited["userErrors"] == []
    assert invited["participant"]["status"] == "INVITED"
    fabrikam = next(org for org in DEMO_ORGANIZATIONS if org.name == partner["name"])
    assert invited["participant"]["organizationId"] == str(fabrikam.id)


async def test_inbox_page_lists_invitations_waiting_for_an_answer(api: Api) -> None:
    await _demo(api)
    found = 0
    for demo in DEMO_ORGANIZATIONS:
        actor = Actor(demo.id, demo.demo_user_id)
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            variables = {"first": 3, "after": after}
            page = (await api.query(_operation("InboxPage"), variables, actor=actor))["referrals"]
            nodes += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(nodes) == page["totalCount"] == len({node["id"] for node in nodes})
        mine = str(demo.id)
        for node in nodes:
            assert node["owner"]["organizationId"] != mine
            statuses = [p["status"] for p in node["participants"] if p["organizationId"] == mine]
            assert "INVITED" in statuses, node
        closing = [node["additionalInformation"]["closingDate"] for node in nodes]
        dated = [day for day in closing if day is not None]
        assert closing == dated + [None] * (len(closing) - len(dated))  # nulls last
        assert dated == sorted(dated)
        found += len(nodes)
    assert found, "the demo data has open invitations to show"


async def test_event_feed_shows_what_changed_since_the_last_look(api: Api) -> None:
    actor = await _demo(api)  # demo data is loaded in bulk: not in the event log
    feed = _operation("EventFeed")
    before = (await api.query(feed, {}, actor=actor))["events"]
    created = await api.query(
        _operation("CreateReferral", "mutations"), {"input": new_referral()}, actor=actor
    )
    referral = created["createReferral"]["referral"]
    since = (await api.query(feed, {"since": before["pageInfo"]["endCursor"]}, actor=actor))[
        "events"
    ]
    (event,) = since["nodes"]
    assert (event["type"], event["referral"]["id"]) == ("CREATED", referral["id"])
    assert event["cursor"] == since["pageInfo"]["endCursor"]
    again = await api.query(feed, {"since": event["cursor"]}, actor=actor)
    assert again["events"]["nodes"] == []


async def test_a_webhook_is_registered_and_its_delivery_log_read(api: Api) -> None:
    actor = await _demo(api)
    variables = {"input": {"url": "https://93.184.215.14/hooks", "events": ["REFERRAL_CREATED"]}}
    created = (await api.query(_operation("CreateWebhook", "mutations"), variables, actor=actor))[
        "createWebhook"
    ]
    assert created["userErrors"] == []
    assert created["secret"].startswith("whsec_")
    log = await api.query(_operation("WebhookDeliveries"), {"first": 20}, actor=actor)
    (webhook,) = log["webhooks"]["nodes"]
    assert webhook["id"] == created["webhook"]["id"]
    assert webhook["deliveries"]["totalCount"] == 0  # registered after the demo's history
