"""createReferral and updateReferral: payloads, userErrors by input path, idempotency, no-ops."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from api.graph.relay.ids import to_global_id
from tests.api.graph.mutation_documents import (
    CREATE,
    UPDATE,
    actors,
    count_referrals,
    create,
)
from tests.factories import new_referral
from tests.helpers import Api


async def test_create_makes_a_pending_referral_owned_by_the_caller(api: Api) -> None:
    (owner,) = await actors(api, 1)
    created = await create(
        api,
        owner,
        additionalInformation={"dealValue": "1250.5", "currency": "usd"},
        customerRequirements={"products": ["Teams", "Teams", " Azure "]},
    )
    assert created["status"] == "PENDING"
    assert created["version"] == 1
    assert created["owner"]["organizationId"] == str(owner.organization_id)
    assert created["owner"]["status"] == "ACCEPTED"
    assert created["owner"]["users"] == [{"id": to_global_id("User", owner.user_id)}]
    profile = created["customerProfile"]
    assert profile["address"] == {"addressLine2": None, "country": "US"}
    assert profile["contact"] == {"email": "ana@contoso.example", "phoneNumber": "+14255550100"}
    assert created["customerRequirements"] == {
        "industries": [],
        "products": ["Teams", "Azure"],
        "services": [],
        "solutions": None,
    }
    assert created["additionalInformation"] == {
        "dealValue": "1250.50",
        "currency": "USD",
        "closingDate": None,
        "notes": None,
    }
    assert created["activities"]["nodes"] == [{"type": "CREATED", "toStatus": "PENDING"}]


async def test_invalid_create_names_every_bad_field_and_writes_nothing(api: Api) -> None:
    (owner,) = await actors(api, 1)
    body = new_referral(name="  ")
    body["customerProfile"]["contact"].update(email="not-an-email", phoneNumber="12")
    body["customerProfile"]["address"]["country"] = "XX"
    body["additionalInformation"] = {"dealValue": "-1", "currency": "EUR"}

    data = await api.query(CREATE, {"input": body}, actor=owner)

    payload = data["createReferral"]
    assert payload["referral"] is None
    fields = {tuple(e["field"]) for e in payload["userErrors"]}
    assert fields == {
        ("input", "name"),
        ("input", "customerProfile", "address", "country"),
        ("input", "customerProfile", "contact", "email"),
        ("input", "customerProfile", "contact", "phoneNumber"),
        ("input", "additionalInformation", "dealValue"),
    }
    assert {e["code"] for e in payload["userErrors"]} == {"INVALID_INPUT"}
    assert all(e["message"].startswith("`") for e in payload["userErrors"])
    assert await count_referrals(api) == 0


async def test_idempotency_key_returns_the_first_answer(api: Api) -> None:
    owner, other = await actors(api)
    first = await create(api, owner, idempotencyKey="order-42")
    again = await create(api, owner, idempotencyKey="order-42")
    assert again["id"] == first["id"]
    assert await count_referrals(api) == 1

    reused = await api.query(
        CREATE,
        {"input": new_referral(name="Another deal", idempotencyKey="order-42")},
        actor=owner,
    )
    assert reused["createReferral"]["referral"] is None
    assert reused["createReferral"]["userErrors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This idempotency key was used with a different request body.",
            "field": ["input", "idempotencyKey"],
            "currentVersion": None,
        }
    ]
    # Keys belong to an organization: another one may use the same string.
    theirs = await create(api, other, idempotencyKey="order-42")
    assert theirs["id"] != first["id"]
    assert await count_referrals(api) == 2


async def test_concurrent_retries_with_one_key_create_one_referral(api: Api) -> None:
    (owner,) = await actors(api, 1)
    body = {"input": new_referral(idempotencyKey=str(uuid.uuid4()))}
    responses = await asyncio.gather(*(api.query(CREATE, body, actor=owner) for _ in range(10)))
    ids = {r["createReferral"]["referral"]["id"] for r in responses}
    assert len(ids) == 1
    assert all(r["createReferral"]["userErrors"] == [] for r in responses)
    assert await count_referrals(api) == 1


async def test_update_changes_only_given_fields_and_null_clears(api: Api) -> None:
    (owner,) = await actors(api, 1)
    created = await create(
        api, owner, additionalInformation={"dealValue": "10", "currency": "EUR", "notes": "x"}
    )
    referral_id = created["id"]
    changes = {
        "id": referral_id,
        "expectedVersion": 1,
        "customerProfile": {
            "address": {"addressLine2": "Suite 5"},
            "contact": {"phoneNumber": "425 555 0199"},  # national form: the address's country
        },
        "additionalInformation": {"dealValue": None, "currency": None},
    }
    data = (await api.query(UPDATE, {"input": changes}, actor=owner))["updateReferral"]

    assert data["userErrors"] == []
    updated = data["referral"]
    assert updated["version"] == 2
    assert updated["name"] == created["name"]  # absent: unchanged
    assert updated["customerProfile"]["address"] == {
        "addressLine1": "1 Main Street",
        "addressLine2": "Suite 5",
    }
    assert updated["customerProfile"]["contact"]["phoneNumber"] == "+14255550199"
    assert updated["additionalInformation"] == {"dealValue": None, "currency": None, "notes": "x"}
    (last,) = updated["activities"]["nodes"]
    assert last["type"] == "UPDATED"
    assert last["note"] == (
        "Changed customerProfile.address.addressLine2, customerProfile.contact.phoneNumber, "
        "additionalInformation.dealValue, additionalInformation.currency"
    )


async def test_update_refusals_change_nothing(api: Api) -> None:
    (owner,) = await actors(api, 1)
    referral_id = (await create(api, owner))["id"]

    async def errors(changes: dict[str, Any]) -> list[dict[str, Any]]:
        data = await api.query(UPDATE, {"input": {"id": referral_id, **changes}}, actor=owner)
        # The referral as it is now, unchanged, for the client to reconcile with.
        assert data["updateReferral"]["referral"]["version"] == 1
        return data["updateReferral"]["userErrors"]  # type: ignore[no-any-return]

    cleared = await errors({"name": None})
    assert [(e["code"], e["field"]) for e in cleared] == [("INVALID_INPUT", ["input", "name"])]
    stale = await errors({"name": "New", "expectedVersion": 7})
    assert [(e["code"], e["currentVersion"]) for e in stale] == [("CONFLICT", 1)]
    orphan = await errors({"additionalInformation": {"dealValue": "5"}})
    assert orphan[0]["field"] == ["input", "additionalInformation", "currency"]
    nothing = await errors({})
    assert nothing[0]["code"] == "INVALID_INPUT"
    assert nothing[0]["field"] is None
    check = await api.query(
        "query ($id: ID!) { referral(id: $id) { version name activities { totalCount } } }",
        {"id": referral_id},
        actor=owner,
    )
    assert check["referral"] == {
        "version": 1,
        "name": "Contoso - Teams rollout",
        "activities": {"totalCount": 1},
    }


async def test_an_update_that_changes_nothing_is_no_change(api: Api) -> None:
    (owner,) = await actors(api, 1)
    referral_id = (await create(api, owner))["id"]
    data = await api.query(
        UPDATE, {"input": {"id": referral_id, "name": "Contoso - Teams rollout"}}, actor=owner
    )
    assert data["updateReferral"]["userErrors"] == []
    assert data["updateReferral"]["referral"]["version"] == 1
