"""`referrals persisted load`: operation files onto the safelist, one document per operation, all
or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.api.transport.persisted_support import (
    load_operations,
    stored_documents,
)
from tests.helpers import Api


async def test_load_refuses_invalid_documents_and_stores_nothing(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.graphql"
    good.write_text("query Count { referrals { totalCount } }")
    bad = tmp_path / "bad.graphql"
    bad.write_text("query Bad {\n  noSuchField\n}\n")
    result = await asyncio.to_thread(load_operations, database_url, good, bad)
    assert result.exit_code == 1
    assert f"{bad}:2:3: Cannot query field 'noSuchField'" in result.output
    assert await stored_documents(api) == {}


async def test_load_resolves_fragments_across_files(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    fragment = tmp_path / "fragment.graphql"
    fragment.write_text("fragment Counted on ReferralConnection { totalCount }")
    operation = tmp_path / "operation.graphql"
    operation.write_text("query Count { referrals { ...Counted } }")
    result = await asyncio.to_thread(load_operations, database_url, operation, fragment)
    assert result.exit_code == 0, result.output
    ((document, safelisted),) = (await stored_documents(api)).values()
    assert safelisted
    assert document.startswith("query Count {")
    assert document.endswith("fragment Counted on ReferralConnection {\n  totalCount\n}")
