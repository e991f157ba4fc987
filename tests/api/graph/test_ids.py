"""Time-ordered ids keep creation order; global IDs, views included, decode as encoded."""

from __future__ import annotations

import base64
import random
import uuid

import graphql
import pytest

from api.errors import BadUserInput
from api.graph.nodes import decode_global_id, expect_global_id
from api.graph.relay.ids import GlobalId, decode, encode, global_id_encoder, to_global_id
from api.schema import schema_sdl
from db.ids import uuid7


def test_uuid7_ids_increase_and_carry_version_7() -> None:
    ids = [uuid7() for _ in range(5000)]  # many per millisecond: the counter orders them
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {"specified in RFC 4122"}
    assert sorted(ids, key=str) == ids  # text order (SQLite) agrees with byte order (PostgreSQL)


def test_view_ids_round_trip_and_only_referrals_and_profiles_have_views() -> None:
    referral, viewpoint = uuid.uuid4(), uuid.uuid4()
    plain = to_global_id("Referral", referral)
    view = to_global_id("Referral", referral, viewpoint=viewpoint)
    assert view != plain
    assert decode_global_id(plain) == GlobalId("Referral", referral)
    assert decode_global_id(view) == GlobalId("Referral", referral, viewpoint)
    profile = to_global_id("CustomerProfile", referral, viewpoint=viewpoint)
    assert decode_global_id(profile) == GlobalId("CustomerProfile", referral, viewpoint)
    assert expect_global_id(plain, "Referral") == referral
    with pytest.raises(BadUserInput, match="view"):
        expect_global_id(view, "Referral", argument="referralId")
    for forged in (
        to_global_id("Participant", referral, viewpoint=viewpoint),  # no views of participants
        to_global_id("Referral", referral)[:-2] + "Og",  # "Referral:<key>:" with no viewpoint
    ):
        with pytest.raises(BadUserInput, match="not a valid ID"):
            decode_global_id(forged, argument="ids[3]")


def _plain_global_id(type_name: str, pk: uuid.UUID, viewpoint: uuid.UUID | None = None) -> str:
    """Global IDs as first defined: "<type>:<hex>[:<viewpoint hex>]" in URL-safe base64."""
    text = f"{type_name}:{pk.hex}" if viewpoint is None else f"{type_name}:{pk.hex}:{viewpoint.hex}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _type_names() -> list[str]:
    """Every type of the schema (names of each length modulo 3), and some that are not
    GraphQL names: characters that base64 encodes with '+' and '/'."""
    schema = graphql.build_schema(schema_sdl())
    return [*schema.type_map, "A", "Ab", "?", ">>", "~?~", "Type-Name", "Ünïcode", "a:b"]


def test_global_ids_are_the_plain_encoding_for_every_type_and_many_keys() -> None:
    rng = random.Random(14)
    keys = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid7()]
    keys += [uuid.UUID(int=rng.getrandbits(128)) for _ in range(300)]
    for type_name in _type_names():
        encoder = global_id_encoder(type_name)
        for pk, viewpoint in zip(keys, reversed(keys), strict=True):
            plain = _plain_global_id(type_name, pk)
            assert to_global_id(type_name, pk) == encoder(pk) == plain
            view = _plain_global_id(type_name, pk, viewpoint)
            assert (
                to_global_id(type_name, pk, viewpoint=viewpoint) == encoder(pk, viewpoint) == view
            )
            assert decode(plain) == f"{type_name}:{pk.hex}"


def test_cursors_and_other_text_encode_as_urlsafe_base64_without_padding() -> None:
    rng = random.Random(3)
    texts = ["", "a", "ab", "abc", "\u00ff\u00fe?>~", '["createdDate","2026-11-24",1]']
    texts += [
        "".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(40)))
        for _ in range(300)
    ]
    for text in texts:
        assert encode(text) == base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        assert decode(encode(text)) == text
