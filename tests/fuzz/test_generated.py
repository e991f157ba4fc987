"""Generated queries, mutations and schema-breaking operations answer soundly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import FUZZ, Fuzz
from tests.fuzz.sending import exchange


@FUZZ
@given(data=st.data())
async def test_generated_queries_answer_soundly(fuzz: Fuzz, data: st.DataObject) -> None:
    await exchange(fuzz, data, data.draw(fuzz.queries, label="query"))


@FUZZ
@given(data=st.data())
async def test_generated_mutations_answer_soundly(fuzz: Fuzz, data: st.DataObject) -> None:
    await exchange(fuzz, data, data.draw(fuzz.mutations, label="mutation"))


@FUZZ
@given(data=st.data())
async def test_operations_that_break_the_schema_answer_soundly(
    fuzz: Fuzz, data: st.DataObject
) -> None:
    # hypothesis-graphql's negative mode: one schema violation per operation (some of its
    # violations are none, e.g. an Int literal for an ID, so only soundness is asserted).
    await exchange(fuzz, data, data.draw(fuzz.invalid, label="operation"))
