"""Valid CreateReferralInput values with up to two of them gone wild, so that writes happen."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.strategies import DATES, DECIMAL_TEXTS

# Generated operations rarely get every field of an input right, so writes seldom happen in
# test_generated.py. Here the inputs are valid but for up to two values gone wild, so the writes
# themselves meet extreme text, numbers and dates on both databases.

_PLAIN = st.text(string.ascii_letters + string.digits + " -'.&", min_size=1, max_size=60)
TEXTS = st.one_of(
    st.sampled_from(("Contoso", "O'Brien", "Zoë de Vries", "東京 Tower", "x" * 100)),
    _PLAIN.filter(str.strip),
)
WILD = st.one_of(
    st.text(max_size=260),  # control characters, blanks, lone marks, too long...
    st.sampled_from(("", " ", "\x00", "a\nb", "\u202e", "x" * 201, "x" * 2001)),
)
VALID_CREATE = st.fixed_dictionaries(
    {
        "name": TEXTS,
        "referralSource": st.sampled_from(("WEB_DIRECT", "PARTNER_LED", "AGENT_LED", "P2P")),
        "customerProfile": st.fixed_dictionaries(
            {
                "name": TEXTS,
                "address": st.fixed_dictionaries(
                    {
                        "addressLine1": TEXTS,
                        "city": TEXTS,
                        "state": TEXTS,
                        "postalCode": st.sampled_from(("98101", "10115", "SW1A 1AA")),
                        "country": st.sampled_from(("US", "de", "GB", "JP")),
                    },
                    optional={"addressLine2": st.none() | TEXTS},
                ),
                "contact": st.fixed_dictionaries(
                    {
                        "firstName": TEXTS,
                        "lastName": TEXTS,
                        "email": st.sampled_from(("ana@contoso.example", "Ana@Contoso.Example")),
                        "phoneNumber": st.sampled_from(("+14255550100", "+4930123456")),
                    }
                ),
            }
        ),
    },
    optional={
        "customerRequirements": st.fixed_dictionaries(
            {},
            optional={
                "industries": st.lists(TEXTS, max_size=20),
                "products": st.lists(TEXTS, max_size=20),
                "services": st.lists(TEXTS, max_size=20),
                "solutions": st.none() | TEXTS,
                "customerNeed": st.none() | TEXTS,
            },
        ),
        "additionalInformation": st.fixed_dictionaries(
            {
                "dealValue": st.decimals(places=2, min_value=0, max_value=10**16 - 1).map(str),
                "currency": st.sampled_from(("USD", "eur", "JPY")),
            },
            optional={"closingDate": st.dates().map(date.isoformat), "notes": TEXTS},
        ),
        "idempotencyKey": st.uuids().map(str),
    },
)
# Where a value goes wild, and how.
WILD_VALUES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("name",): WILD,
    ("customerProfile", "name"): WILD,
    ("customerProfile", "address", "addressLine1"): WILD,
    ("customerProfile", "address", "addressLine2"): WILD,
    ("customerProfile", "address", "postalCode"): WILD,
    ("customerProfile", "address", "country"): WILD,
    ("customerProfile", "contact", "firstName"): WILD,
    ("customerProfile", "contact", "email"): st.one_of(st.emails().map(str), WILD),
    ("customerProfile", "contact", "phoneNumber"): st.one_of(
        st.text(string.digits + "+()- ", max_size=25), WILD
    ),
    ("customerRequirements", "products"): st.lists(st.one_of(TEXTS, WILD), max_size=25),
    ("additionalInformation", "dealValue"): DECIMAL_TEXTS,
    ("additionalInformation", "currency"): WILD,
    ("additionalInformation", "closingDate"): DATES,
    ("additionalInformation", "notes"): st.one_of(WILD, st.just("x" * 4001)),
    ("idempotencyKey",): st.one_of(WILD, st.text(max_size=210)),
}


@st.composite
def create_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid CreateReferralInput with up to two of its values gone wild."""
    value: dict[str, Any] = draw(VALID_CREATE)
    paths = draw(st.lists(st.sampled_from(sorted(WILD_VALUES)), max_size=2, unique=True))
    for path in paths:
        target = value
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = draw(WILD_VALUES[path])
    return value
