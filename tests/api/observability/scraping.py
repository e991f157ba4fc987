"""Reading `/metrics` in the tests: scrape it, pick a sample; an owner with a referral to count."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
PAGE = "query Page { referrals(first: 5) { totalCount nodes { id name } } }"


async def scrape(api: Api) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def owner_with_referral(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        await make_referral(conn, owner, created=START - timedelta(days=1))
    return owner
