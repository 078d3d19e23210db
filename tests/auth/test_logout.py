"""POST /api/v1/auth/logout and the revocation table."""

from datetime import timedelta

from service.auth import accounts
from service.clock import utcnow
from service.db.models import RevokedToken
from tests.support.inprocess import assert_envelope, bearer, login, register

LOGOUT = "/api/v1/auth/logout"
USER = "/api/v1/auth/user"


def test_logout_returns_200_success(client):
    token = register(client).json["access_token"]
    response = client.simulate_post(LOGOUT, headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"status": "success", "message": "successfully logged out"}


def test_logout_revokes_the_token_at_once(client):
    token = register(client).json["access_token"]
    client.simulate_post(LOGOUT, headers=bearer(token))
    assert_envelope(client.simulate_get(USER, headers=bearer(token)), 401,
                    "Token blacklisted. Please log in again.")


def test_logout_twice_is_refused_as_blacklisted(client):
    token = register(client).json["access_token"]
    client.simulate_post(LOGOUT, headers=bearer(token))
    assert_envelope(client.simulate_post(LOGOUT, headers=bearer(token)), 401,
                    "Token blacklisted. Please log in again.")


def test_logout_leaves_the_users_other_tokens_valid(client):
    register(client, "user@example.com")
    first = login(client, "user@example.com").json["access_token"]
    second = login(client, "user@example.com").json["access_token"]
    client.simulate_post(LOGOUT, headers=bearer(first))
    assert client.simulate_get(USER, headers=bearer(second)).status_code == 200


def test_logout_records_the_jti_with_the_tokens_expiry(frozen_clock, client):
    token = register(client).json["access_token"]
    client.simulate_post(LOGOUT, headers=bearer(token))
    entry = RevokedToken.get()
    assert len(entry.jti) == 32
    assert entry.expires_at - utcnow() == timedelta(seconds=300)


def test_logout_without_token_is_401(client):
    assert_envelope(client.simulate_post(LOGOUT), 401, "Unauthorized")


def test_purge_expired_deletes_only_expired_entries(client):
    RevokedToken.create(jti="old", expires_at=utcnow() - timedelta(seconds=1))
    RevokedToken.create(jti="live", expires_at=utcnow() + timedelta(hours=1))
    assert accounts.purge_expired() == 1
    assert [t.jti for t in RevokedToken.select()] == ["live"]
