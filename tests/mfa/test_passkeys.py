"""Passkeys in process with a software authenticator: registration, sign-in, second factor, refusals."""

import pytest

from tests.support.authenticator import Authenticator, b64url
from tests.support.inprocess import assert_envelope, bearer, login, random_email, token_for
from tests.support.logs import captured_log
from tests.support.mfa import MFA, VERIFY

PASSKEYS = "/api/v1/auth/passkeys"
ORIGIN = "http://localhost:8000"


def register_passkey(client, token: str, authenticator: Authenticator, name: str = "Laptop", **wrong):
    started = client.simulate_post(PASSKEYS + "/registration", headers=bearer(token))
    assert started.status_code == 200, started.text
    credential = authenticator.create(started.json["options"], **wrong)
    return client.simulate_post(PASSKEYS, headers=bearer(token), json={
        "ceremony": started.json["ceremony"], "credential": credential, "name": name})


def challenge(client, mfa_token: str | None = None):
    answer = client.simulate_post(PASSKEYS + "/authentication",
                                  json={"mfa_token": mfa_token} if mfa_token else None)
    assert answer.status_code == 200, answer.text
    return answer.json


def passkey_login(client, ceremony: str, credential: dict):
    return client.simulate_post(PASSKEYS + "/login", json={"ceremony": ceremony, "credential": credential})


@pytest.fixture
def holder(client):
    """A user with one passkey in a software authenticator: (email, token, authenticator)."""
    email, authenticator = random_email(), Authenticator(ORIGIN)
    token = token_for(client, email)
    added = register_passkey(client, token, authenticator)
    assert added.status_code == 201, added.text
    return email, token, authenticator


def test_registration_options_require_a_resident_key_and_user_verification(client, holder):
    _, token, authenticator = holder
    options = client.simulate_post(PASSKEYS + "/registration", headers=bearer(token)).json["options"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert len(options["challenge"]) >= 22  # at least 16 bytes
    assert [c["id"] for c in options["excludeCredentials"]] == [
        b64url(authenticator.credentials[0].id)]


def test_a_registered_passkey_is_listed_and_counted(client, holder):
    _, token, _ = holder
    listed = client.simulate_get(PASSKEYS, headers=bearer(token)).json["passkeys"]
    assert [(p["name"], p["last_used_at"]) for p in listed] == [("Laptop", None)]
    assert client.simulate_get(MFA, headers=bearer(token)).json["passkeys"] == 1


def test_a_passkey_signs_in_without_a_password(client, holder):
    email, _, authenticator = holder
    started = challenge(client)
    answer = passkey_login(client, started["ceremony"], authenticator.get(started["options"]))
    assert answer.status_code == 200, answer.text
    me = client.simulate_get("/api/v1/auth/user", headers=bearer(answer.json["access_token"]))
    assert me.json["email"] == email


def test_a_passkey_finishes_a_password_login_as_second_factor(client, holder):
    email, _, authenticator = holder
    refused = login(client, email)
    assert refused.status_code == 403 and refused.json["methods"] == ["passkey"]
    mfa_token = refused.json["mfa_token"]
    started = challenge(client, mfa_token)
    assert len(started["options"]["allowCredentials"]) == 1
    answer = client.simulate_post(VERIFY, json={
        "mfa_token": mfa_token, "ceremony": started["ceremony"],
        "credential": authenticator.get(started["options"])})
    assert answer.status_code == 200, answer.text


def test_a_ceremony_works_once(client, holder):
    _, _, authenticator = holder
    started = challenge(client)
    assert passkey_login(client, started["ceremony"], authenticator.get(started["options"])).status_code == 200
    replay = passkey_login(client, started["ceremony"], authenticator.get(started["options"]))
    assert_envelope(replay, 401, "passkey not accepted")


def test_a_signature_counter_that_goes_back_is_refused_and_logged(client, holder):
    _, _, authenticator = holder
    first = challenge(client)
    assert passkey_login(client, first["ceremony"],
                         authenticator.get(first["options"], sign_count=5)).status_code == 200
    second = challenge(client)
    with captured_log() as lines:
        cloned = passkey_login(client, second["ceremony"],
                               authenticator.get(second["options"], sign_count=3))
    assert_envelope(cloned, 401)
    assert any(b"signature counter went backwards" in line for line in lines())


@pytest.mark.parametrize("wrong", [{"origin": "http://evil.example.com"}, {"rp_id": "evil.example.com"}])
def test_a_sign_in_from_another_origin_or_rp_is_refused(client, holder, wrong):
    _, _, authenticator = holder
    started = challenge(client)
    answer = passkey_login(client, started["ceremony"], authenticator.get(started["options"], **wrong))
    assert_envelope(answer, 401)


@pytest.mark.parametrize("wrong", [{"origin": "http://evil.example.com"}, {"rp_id": "evil.example.com"}])
def test_a_registration_from_another_origin_or_rp_is_refused(client, wrong):
    answer = register_passkey(client, token_for(client), Authenticator(ORIGIN), **wrong)
    assert_envelope(answer, 400)
    assert list(answer.json["errors"]) == ["credential"]


def test_someone_elses_registration_ceremony_is_refused(client):
    mine, theirs = token_for(client), token_for(client)
    started = client.simulate_post(PASSKEYS + "/registration", headers=bearer(theirs)).json
    answer = client.simulate_post(PASSKEYS, headers=bearer(mine), json={
        "ceremony": started["ceremony"], "credential": Authenticator(ORIGIN).create(started["options"]),
        "name": "Stolen"})
    assert_envelope(answer, 400)
    assert list(answer.json["errors"]) == ["ceremony"]


def test_someone_elses_second_factor_ceremony_is_refused(client, holder):
    email, _, authenticator = holder
    other_email, other = random_email(), Authenticator(ORIGIN)
    assert register_passkey(client, token_for(client, other_email), other).status_code == 201
    mine = login(client, email).json["mfa_token"]
    theirs = challenge(client, login(client, other_email).json["mfa_token"])
    answer = client.simulate_post(VERIFY, json={
        "mfa_token": mine, "ceremony": theirs["ceremony"], "credential": authenticator.get(theirs["options"])})
    assert_envelope(answer, 401)


def test_another_users_passkey_is_not_a_second_factor(client, holder):
    email, _, _ = holder
    other_email, other = random_email(), Authenticator(ORIGIN)
    assert register_passkey(client, token_for(client, other_email), other).status_code == 201
    mfa_token = login(client, email).json["mfa_token"]
    started = challenge(client, mfa_token)
    answer = client.simulate_post(VERIFY, json={
        "mfa_token": mfa_token, "ceremony": started["ceremony"], "credential": other.get(started["options"])})
    assert_envelope(answer, 401)


def test_a_deleted_passkey_no_longer_signs_in(client, holder):
    _, token, authenticator = holder
    passkey_id = client.simulate_get(PASSKEYS, headers=bearer(token)).json["passkeys"][0]["id"]
    assert client.simulate_delete(f"{PASSKEYS}/{passkey_id}", headers=bearer(token)).status_code == 204
    started = challenge(client)
    assert passkey_login(client, started["ceremony"], authenticator.get(started["options"])).status_code == 401


def test_someone_elses_passkey_cannot_be_deleted(client, holder):
    _, token, _ = holder
    passkey_id = client.simulate_get(PASSKEYS, headers=bearer(token)).json["passkeys"][0]["id"]
    answer = client.simulate_delete(f"{PASSKEYS}/{passkey_id}", headers=bearer(token_for(client)))
    assert_envelope(answer, 404, "passkey not found")
