"""Every ID argument of schema.graphql has a probe (or a reason not to), found by walking it."""

from __future__ import annotations

from tests.cross_tenant.probes import EXEMPT, HTTP_PROBES, SCHEMA_FILE, SUBSCRIPTION, id_arguments


def test_every_id_argument_is_probed() -> None:
    """A new argument of type ID fails here until it has a probe (or a reason not to)."""
    assert id_arguments(SCHEMA_FILE.read_text()) == {*HTTP_PROBES, SUBSCRIPTION, *EXEMPT}


def test_the_walk_finds_ids_in_lists_and_nested_inputs() -> None:
    sdl = """type Query { a(x: ID, y: [ID!], z: In): Int }
    input In { id: ID!, inner: Inner, self: In } input Inner { ids: [ID] n: Int }"""
    assert id_arguments(sdl) == {"Query.a.x", "Query.a.y", "Query.a.z.id", "Query.a.z.inner.ids"}
