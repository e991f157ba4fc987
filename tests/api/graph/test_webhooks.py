"""Webhook management through the graph: create (secret once), update, delete, the webhooks
connection, refusals naming their field, and only the owning organization sees a webhook."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from api.settings import Settings
from db.access import Viewer
from db.models import ActivityType
from db.webhooks import registry
from db.webhooks.fan_out import fan_out
from db.webhooks.models import WebhookEventName
from tests.api.graph.mutation_documents import actors
from tests.api.webhooks.support import (
    CREATE_WEBHOOK,
    DELETE_WEBHOOK,
    UPDATE_WEBHOOK,
    WEBHOOKS,
    register,
    webhook_api,
)
from tests.conftest import START
from tests.db.webhooks.support import Event, reader
from tests.factories import make_referral
from tests.helpers import Api, MovableClock
from tests.statements import statements

URL = "http://127.0.0.1:9/hook"  # never called here: no referral changes


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No delivery worker: its polls would be counted with the statements of an operation.
    return Settings(
        database_url=database_url,
        gc_tuning=False,
        webhook_allow_private_addresses=True,
        webhook_delivery=False,
    )


async def test_create_shows_the_secret_once_and_lists_the_webhook(api: Api) -> None:
    (owner,) = await actors(api, 1)
    created = await register(api, owner, URL, description="CRM sync", events=["REFERRAL_CREATED"])
    webhook, secret = created["webhook"], created["secret"]
    assert secret.startswith("whsec_")
    assert webhook["url"] == URL
    assert webhook["events"] == ["REFERRAL_CREATED"]
    assert (webhook["active"], webhook["description"]) == (True, "CRM sync")
    listed = (await api.query(WEBHOOKS, actor=owner))["webhooks"]
    assert listed["totalCount"] == 1
    assert listed["nodes"] == [webhook]
    # The secret is in no other answer, nor stored as it is.
    node = await api.post(
        "query ($id: ID!) { node(id: $id) { ... on Webhook { url } } }",
        {"id": webhook["id"]},
        actor=owner,
    )
    assert secret not in node.text
    async with api.database.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT sealed_secret FROM webhook")).scalar_one()
    assert secret not in stored


async def test_update_changes_only_what_it_names_and_delete_removes(api: Api) -> None:
    (owner,) = await actors(api, 1)
    webhook = (await register(api, owner, URL, description="old"))["webhook"]
    changes = {"id": webhook["id"], "active": False, "events": ["REFERRAL_UPDATED"]}
    updated = (await api.query(UPDATE_WEBHOOK, {"input": changes}, actor=owner))["updateWebhook"]
    assert updated["userErrors"] == []
    assert updated["webhook"] == {
        **webhook,
        "active": False,
        "events": ["REFERRAL_UPDATED"],
    }
    cleared = await api.query(
        UPDATE_WEBHOOK, {"input": {"id": webhook["id"], "description": ""}}, actor=owner
    )
    assert cleared["updateWebhook"]["webhook"]["description"] is None
    deleted = await api.query(DELETE_WEBHOOK, {"input": {"id": webhook["id"]}}, actor=owner)
    assert deleted["deleteWebhook"] == {"deletedWebhookId": webhook["id"], "userErrors": []}
    assert (await api.query(WEBHOOKS, actor=owner))["webhooks"]["totalCount"] == 0


async def test_another_organization_neither_sees_nor_changes_a_webhook(api: Api) -> None:
    owner, other = await actors(api)
    webhook = (await register(api, owner, URL))["webhook"]
    assert (await api.query(WEBHOOKS, actor=other))["webhooks"]["nodes"] == []
    node = await api.query(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": webhook["id"]}, actor=other
    )
    assert node["node"] is None
    for document, name, changes in (
        (UPDATE_WEBHOOK, "updateWebhook", {"id": webhook["id"], "active": False}),
        (DELETE_WEBHOOK, "deleteWebhook", {"id": webhook["id"]}),
    ):
        answer = (await api.query(document, {"input": changes}, actor=other))[name]
        assert answer["userErrors"] == [
            {"code": "NOT_FOUND", "message": "No such webhook.", "field": ["input", "id"]}
        ]
    listed = (await api.query(WEBHOOKS, actor=owner))["webhooks"]["nodes"]
    assert listed == [webhook]  # unchanged


def _create(url: str, **fields: Any) -> dict[str, Any]:
    return {"input": {"url": url, "events": ["REFERRAL_CREATED"], **fields}}


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        (_create("ftp://example.com/"), "url", "`url` must be an http or https URL"),
        (_create("http://127.0.0.1:9/", events=[]), "events", "`events` must name at least one"),
        (_create("http://127.0.0.1:9/", description="x" * 501), "description", "at most 500"),
    ],
)
async def test_refusals_name_their_field(
    api: Api, variables: dict[str, Any], field: str, message: str
) -> None:
    (owner,) = await actors(api, 1)
    answer = (await api.query(CREATE_WEBHOOK, variables, actor=owner))["createWebhook"]
    assert answer["webhook"] is None
    assert answer["secret"] is None
    (error,) = answer["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", ["input", field])
    assert message in error["message"]
    assert (await api.query(WEBHOOKS, actor=owner))["webhooks"]["totalCount"] == 0


async def test_internal_addresses_are_refused_at_registration_unless_allowed(
    settings: Settings, clock: MovableClock
) -> None:
    strict = replace(settings, webhook_allow_private_addresses=False)
    async with webhook_api(strict, clock, webhook_allow_private_addresses=False) as api:
        (owner,) = await actors(api, 1)
        # A public name that does not resolve here cannot be registered: write the row.
        hook_id = to_global_id(
            "Webhook",
            await registry.create_webhook(
                api.database,
                Viewer(owner.organization_id, owner.user_id, clock()),
                url="https://hooks.example/in",
                events=[WebhookEventName.REFERRAL_CREATED],
                description=None,
                sealed_secret="sealed",
            ),
        )
        for url, reason in (
            ("http://localhost:9/hook", "'localhost' resolves to a loopback address"),
            ("http://10.0.0.7/hook", "private address"),
            ("http://[::ffff:169.254.169.254]/", "link-local address"),
        ):
            answer = (await api.query(CREATE_WEBHOOK, _create(url), actor=owner))["createWebhook"]
            (error,) = answer["userErrors"]
            assert error["field"] == ["input", "url"]
            assert reason in error["message"]
            changes = {"id": hook_id, "url": url}
            update = await api.query(UPDATE_WEBHOOK, {"input": changes}, actor=owner)
            (error,) = update["updateWebhook"]["userErrors"]
            assert error["field"] == ["input", "url"]
            assert reason in error["message"]
            assert update["updateWebhook"]["webhook"]["url"] == "https://hooks.example/in"


async def test_pages_are_bounded_and_cursors_page_on(api: Api) -> None:
    (owner,) = await actors(api, 1)
    urls = [f"http://127.0.0.1:9/hook{i}" for i in range(3)]
    for url in urls:
        await register(api, owner, url)
        api.clock.advance(timedelta(seconds=1))
    first = (await api.query(WEBHOOKS, {"first": 2}, actor=owner))["webhooks"]
    assert [hook["url"] for hook in first["nodes"]] == urls[:2]
    after = first["pageInfo"]["endCursor"]
    rest = (await api.query(WEBHOOKS, {"first": 2, "after": after}, actor=owner))["webhooks"]
    assert [hook["url"] for hook in rest["nodes"]] == urls[2:]
    too_many = await api.post(WEBHOOKS, {"first": 101}, actor=owner)
    (error,) = too_many.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`first` must be between 1 and 100" in error["message"]


PAGE = """query { webhooks(first: 10) { nodes { url
  deliveries(first: 5) { totalCount nodes { eventId status } } } } }"""


async def test_a_page_of_webhooks_with_their_deliveries_costs_fixed_statements(api: Api) -> None:
    (owner,) = await actors(api, 1)
    async with api.database.engine.begin() as conn:
        rows = await make_referral(conn, owner, created=START)
    events = [
        Event(position, uuid.uuid4(), rows.id, ActivityType.UPDATED, START)
        for position in range(1, 8)
    ]
    for i in range(3):
        await register(api, owner, f"{URL}{i}")
    while await fan_out(api.database, reader(events), now=START, window=timedelta(hours=1)):
        pass
    with statements(api.database) as seen:
        response = await api.post(PAGE, actor=owner)
    body = response.json()
    hooks = body["data"]["webhooks"]["nodes"]
    assert [len(hook["deliveries"]["nodes"]) for hook in hooks] == [5, 5, 5]
    assert [hook["deliveries"]["totalCount"] for hook in hooks] == [7, 7, 7]
    # webhooks, their delivery pages, their counts: 3 whatever the number of webhooks.
    assert len(seen) == 3
    # Priced like every connection: 10 webhooks x (1 + 5 deliveries).
    assert body["extensions"]["cost"]["requested"] == 10 * (1 + 5)
