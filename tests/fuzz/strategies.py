"""Hypothesis strategies for the schema's scalars, IDs and variables, some made of the seed."""

from __future__ import annotations

import base64
import json
import string
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from api.graph.nodes import NODE_NAMES as NODE_TYPES
from api.graph.relay.ids import to_global_id
from api.graph.types.activity import ACTIVITY_ORDERING
from api.graph.types.referral_list import referral_ordering
from api.schema import schema_sdl
from db.referral_list import ReferralOrder
from tests.fuzz.seed import Seed

SCHEMA = graphql.build_schema(schema_sdl())


def encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _retyped(global_id: str, type_name: str) -> str:
    padded = global_id + "=" * (-len(global_id) % 4)
    _, _, raw = base64.urlsafe_b64decode(padded).decode().partition(":")
    return encode(f"{type_name}:{raw}")


def id_values(seed: Seed) -> st.SearchStrategy[str]:
    """IDs as a client might send them, well-meant or not."""
    real = st.sampled_from(seed.global_ids)
    type_names = st.sampled_from((*NODE_TYPES, "Tenant", "referral", "", "Referral:x"))
    return st.one_of(
        real,
        st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.uuids()),  # forged, nonexistent
        st.builds(_retyped, real, type_names),  # a real row's key under another type name
        st.builds(lambda name, tail: encode(f"{name}:{tail}"), type_names, st.text(max_size=40)),
        st.sampled_from(seed.organization_ids).map(str),  # for `organizationId`
        st.uuids().map(str),
        st.binary(max_size=48).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        real.map(lambda global_id: global_id + "="),
        real.map(lambda global_id: global_id[:-2]),
        st.text(max_size=60),
    )


_OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
_AWARE = st.datetimes(timezones=st.one_of(st.just(UTC), st.builds(timezone, _OFFSETS)))
_EDGES = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59.999999-14:00",
    "9999-12-31T23:59:59+00:00",
    "2026-11-24T12:00:00Z",
    "2026-11-24T12:00:00+99:00",
    "2026-02-30T00:00:00Z",
    "2026-11-24",
)


DATETIMES = st.one_of(
    _AWARE.map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),  # naive
    st.sampled_from(_EDGES),
    st.text(max_size=30),
)
_CURSOR_KINDS = (
    referral_ordering(ReferralOrder("created_date")),
    referral_ordering(ReferralOrder("updated_date")),
    ACTIVITY_ORDERING,
    "referral",
)
CURSORS = st.builds(
    lambda kind, when, key: encode(json.dumps([kind, when, key])),
    st.sampled_from(_CURSOR_KINDS),
    DATETIMES,
    st.one_of(st.uuids().map(lambda pk: pk.hex), st.text(max_size=8)),
)
# Strings: mostly arbitrary text, some values that pass validation (so that writes succeed
# and the fuzzing reaches past the validators), some just past a limit, forged cursors.
_PLAUSIBLE = (
    *("US", "de", "XX", "USD", "eur", "Contoso", "order-42", " ", ""),
    *("ana@contoso.example", "not-an-email", "+14255550100", "(425) 555-0100", "12"),
    *("x" * 101, "x" * 201, "x" * 2001),
)
STRINGS = st.one_of(st.text(max_size=40), st.sampled_from(_PLAUSIBLE), CURSORS)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(("0001-01-01", "9999-12-31", "2026-02-29", "2026-11-24T00:00:00Z", "")),
    st.text(max_size=20),
)
DECIMAL_TEXTS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(places=2, min_value=0, max_value=10**20).map(str),
    st.sampled_from(("1e999999999", "-0", "0.001", "1E+2", "99999999999999999999.99", "1_000")),
    st.text(string.digits + ".-+eE", max_size=30),
    st.text(max_size=20),
)
DECIMALS = st.one_of(
    DECIMAL_TEXTS.map(nodes.String),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
)


def custom_scalars(seed: Seed) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    return {
        "ID": id_values(seed).map(nodes.String),
        "String": STRINGS.map(nodes.String),
        "DateTime": DATETIMES.map(nodes.String),
        "Date": DATES.map(nodes.String),
        "Decimal": DECIMALS,
    }


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


KEEP = object()  # a variable keeps the value its literal had
# Mostly the literal's own value; now and then arbitrary JSON in its place.
REPLACEMENTS: st.SearchStrategy[Any] = st.sampled_from((False, False, False, True)).flatmap(
    lambda replace: JSON_VALUES if replace else st.just(KEEP)
)
