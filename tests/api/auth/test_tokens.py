"""Every operation needs a valid bearer token; anything else is a 401 with a GraphQL body."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from api.auth.tokens import mint_token
from tests.helpers import Api

QUERY = {"query": "{ referrals { totalCount } }"}


def _claims(api: Api, **overrides: object) -> dict[str, object]:
    now = api.clock()
    claims: dict[str, object] = {
        "sub": str(uuid.uuid4()),
        "org": str(uuid.uuid4()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _status_and_message(api: Api, authorization: str | None) -> tuple[int, str]:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.client.post("/graphql", json=QUERY, headers=headers)
    body = response.json()
    if response.status_code == 401:
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "data" not in body
    return response.status_code, body["errors"][0]["message"] if "errors" in body else ""


async def test_a_valid_token_is_accepted(api: Api) -> None:
    token = jwt.encode(_claims(api), api.settings.jwt_secret, algorithm="HS256")
    assert (await _status_and_message(api, f"Bearer {token}"))[0] == 200


@pytest.mark.parametrize(
    ("make_header", "message"),
    [
        (lambda api: None, "Missing Authorization header"),
        (lambda api: "Basic dXNlcjpwYXNz", "must use the Bearer scheme"),
        (lambda api: "Bearer ", "must use the Bearer scheme"),
        (lambda api: "Bearer not.a.jwt", "The bearer token is invalid."),
        (
            lambda api: "Bearer " + jwt.encode(_claims(api), "x" * 40, algorithm="HS256"),
            "The bearer token is invalid.",
        ),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(
                    _claims(api, exp=int((api.clock() - timedelta(hours=24)).timestamp())),
                    api.settings.jwt_secret,
                    algorithm="HS256",
                )
            ),
            "The bearer token has expired.",
        ),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(_claims(api, exp=None), api.settings.jwt_secret, algorithm="HS256")
            ),
            "lacks the 'exp' claim",
        ),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(_claims(api, org=None), api.settings.jwt_secret, algorithm="HS256")
            ),
            "lacks the 'org' claim",
        ),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(_claims(api, sub="alice"), api.settings.jwt_secret, algorithm="HS256")
            ),
            "'sub' claim is not a UUID",
        ),
        (
            lambda api: (
                "Bearer " + jwt.encode(_claims(api), api.settings.jwt_secret, algorithm="HS512")
            ),
            "The bearer token is invalid.",
        ),
        (lambda api: "Bearer " + _unsigned(_claims(api)), "The bearer token is invalid."),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(
                    _claims(api, nbf=int((api.clock() + timedelta(hours=1)).timestamp())),
                    api.settings.jwt_secret,
                    algorithm="HS256",
                )
            ),
            "not valid yet",
        ),
        (
            lambda api: (
                "Bearer "
                + jwt.encode(
                    _claims(api, exp="tomorrow"), api.settings.jwt_secret, algorithm="HS256"
                )
            ),
            "The bearer token",
        ),
    ],
    ids=[
        "missing",
        "basic",
        "empty",
        "garbage",
        "other-key",
        "expired",
        "no-exp",
        "no-org",
        "sub-not-uuid",
        "hs512",
        "alg-none",
        "not-yet-valid",
        "exp-not-a-number",
    ],
)
async def test_bad_credentials_get_401(api: Api, make_header: object, message: str) -> None:
    header = make_header(api)  # type: ignore[operator]
    status, text = await _status_and_message(api, header)
    assert status == 401
    assert message in text


def _unsigned(claims: dict[str, object]) -> str:
    return jwt.encode(claims, "", algorithm="none")


def test_minted_tokens_carry_the_claims(api: Api) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    token = mint_token(api.settings, organization_id=org, user_id=user, now=api.clock())
    claims = jwt.decode(
        token,
        api.settings.jwt_secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["org"] == str(org)
    assert claims["sub"] == str(user)
    assert claims["exp"] > claims["iat"]
