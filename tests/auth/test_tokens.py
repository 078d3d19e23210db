"""The bearer-token check every secured operation runs (GET /api/v1/auth/user as the probe)."""

import base64
import json
import time
import uuid

import jwt
import pytest

from service.db.models import User
from tests.support.inprocess import bearer, login, register, token_for
from tests.support.settings import TEST_SECRET
from tests.support.tokens import BLACKLISTED, EXPIRED, USER, forge, refused


def test_missing_token_is_401_unauthorized_with_bare_challenge(client):
    response = client.simulate_get(USER)
    assert response.status_code == 401
    assert response.json == {"status": "fail", "message": "Unauthorized"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="registered_users@widget-api"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token x", "JWT x", "eyJhbGciOi.x.y"])
def test_other_authorization_scheme_counts_as_no_token_and_says_bearer_is_expected(client, header):
    response = client.simulate_get(USER, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["message"] == (
        "Unauthorized: send the token in the Bearer scheme (Authorization: Bearer <token>)"
    )
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="registered_users@widget-api"'


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(client, scheme):
    token = token_for(client)
    response = client.simulate_get(USER, headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "garbage", ["x", "a.b.c", "....", "Bearer", "eyJ.eyJ.sig", "ö.ü.ä", "%00", "a" * 5000]
)  # an empty token is no token: tests/auth/test_bearer_challenge.py
def test_malformed_token_is_refused_as_invalid(client, garbage):
    register(client)
    refused(client, garbage)


def test_token_signed_with_another_key_is_refused(client):
    register(client)
    refused(client, forge(client, key="another-secret-key-of-thirty-two-bytes!"))


@pytest.mark.parametrize("index", [0, 10, -1, -5])
def test_token_with_any_modified_byte_is_refused(client, index):
    token = token_for(client)
    position = index % len(token)
    if token[position] == ".":
        position += 1
    swapped = "A" if token[position] != "A" else "B"
    refused(client, token[:position] + swapped + token[position + 1:])


def test_token_with_tampered_payload_is_refused(client):
    token = token_for(client)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["admin"] = True
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    refused(client, f"{header}.{forged}.{signature}")


def test_alg_none_token_is_refused(client):
    register(client)
    user = User.get()
    unsigned = jwt.encode(
        {"sub": str(user.public_id), "iat": int(time.time()), "exp": int(time.time()) + 60,
         "jti": "x"}, None, "none", headers={"typ": "at+jwt"})
    refused(client, unsigned)


def test_token_of_another_hmac_size_is_refused(client):
    register(client)
    refused(client, forge(client, key=TEST_SECRET * 2, algorithm="HS512"))


def test_expired_token_is_refused_as_expired(client):
    register(client)
    refused(client, forge(client, exp=int(time.time()) - 1), EXPIRED)


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti"])
def test_token_missing_a_required_claim_is_refused(client, claim):
    register(client)
    refused(client, forge(client, **{claim: None}))


@pytest.mark.parametrize("value", ["9999999999", [], {}, None, 1.5e10])
def test_token_with_non_integer_exp_is_refused(client, value):
    register(client)
    refused(client, forge(client, exp=value))


@pytest.mark.parametrize("claim,value", [("sub", 123), ("sub", "not-a-uuid"), ("jti", ""), ("jti", [])])
def test_token_with_ill_typed_identity_claims_is_refused(client, claim, value):
    register(client)
    refused(client, forge(client, **{claim: value}))


def test_token_of_another_type_is_refused(client):
    register(client)
    refused(client, forge(client, headers={"typ": "JWT"}))


def test_token_of_unknown_user_is_refused(client):
    register(client)
    refused(client, forge(client, sub=str(uuid.uuid4())))


def test_token_of_deleted_user_is_refused(client):
    token = token_for(client)
    User.delete().execute()
    refused(client, token)


def test_revoked_token_is_refused_as_blacklisted(client):
    token = token_for(client)
    client.simulate_post("/api/v1/auth/logout", headers=bearer(token))
    refused(client, token, BLACKLISTED)


def test_revocation_holds_for_another_spelling_of_the_same_token(client):
    """base64url slack gives one signature several spellings: revocation keys on jti."""
    token = token_for(client)
    client.simulate_post("/api/v1/auth/logout", headers=bearer(token))
    response = client.simulate_get(USER, headers=bearer(token + "="))
    assert response.status_code == 401


def test_admin_rights_come_from_the_database_row(client):
    register(client, "user@example.com")
    token = login(client, "user@example.com").json["access_token"]
    User.update(admin=True).execute()
    assert client.simulate_get(USER, headers=bearer(token)).json["admin"] is True
