"""What the persisted-operation tests share: documents and their hashes, sending them, reading the
store, loading a safelist."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli.commands import app as cli
from db.tables import persisted_operation, registered_operation
from tests.api.transport.support import only_error
from tests.helpers import Actor, Api

QUERY = "query Count { referrals { totalCount } }"
CREATE = """mutation Create($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { message } } }"""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def apq(document: str, *, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(document)}}


async def send(
    api: Api, actor: Actor, body: dict[str, Any], *, accept: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.token(actor)}"}
    if accept:
        headers["Accept"] = accept
    return await api.client.post("/graphql", json=body, headers=headers)


async def get(api: Api, actor: Actor, params: dict[str, str]) -> httpx.Response:
    return await api.client.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {api.token(actor)}"}
    )


async def stored_documents(api: Api) -> dict[str, tuple[str, bool]]:
    """Every stored document by hash, and whether it is on the safelist (else registered)."""
    async with api.database.engine.connect() as conn:
        registered = (await conn.execute(select(registered_operation))).all()
        safelisted = (await conn.execute(select(persisted_operation))).all()
    return {row.sha256: (row.document, False) for row in registered} | {
        row.sha256: (row.document, True) for row in safelisted
    }


async def registered_documents(api: Api, actor: Actor) -> dict[str, int]:
    """The hashes the actor's organization has registered, with each document's bytes."""
    async with api.database.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(registered_operation).where(
                    registered_operation.c.organization_id == actor.organization_id
                )
            )
        ).all()
    return {row.sha256: row.bytes for row in rows}


def load_operations(database_url: str, *paths: Path) -> Any:
    """`referrals persisted load PATHS` (in a thread: the command runs its own event loop)."""
    return CliRunner().invoke(
        cli,
        ["persisted", "load", *map(str, paths)],
        env={"DATABASE_URL": database_url},
    )


OPERATIONS = """
query Count { referrals { totalCount } }

query Names($first: Int) { referrals(first: $first) { nodes { ...Named } } }

fragment Named on Referral { id name }
"""


def padded_query(name: str, size: int = 0) -> str:
    """A valid query of about `size` bytes: a comment pads it (comments are not tokens, so
    MAX_TOKENS does not bound a document's size; the caps do)."""
    document = f"query {name} {{ referrals {{ totalCount }} }}\n"
    return document + "#" + "x" * max(0, size - len(document) - 1)


async def register(api: Api, actor: Actor, document: str) -> httpx.Response:
    response = await send(api, actor, {"query": document, "extensions": apq(document)})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"referrals": {"totalCount": 0}}, response.text
    return response


async def runs(api: Api, actor: Actor, document: str) -> bool:
    """Whether the hash alone runs `document` (else it is PersistedQueryNotFound)."""
    response = await send(api, actor, {"extensions": apq(document)})
    assert response.status_code == 200, response.text
    if "data" in response.json():
        return True
    assert only_error(response)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    return False
