"""GET /api/v1/auth/user."""

import re
import uuid
from datetime import datetime

from service.db.models import User
from tests.support.inprocess import bearer, register, token_for

USER = "/api/v1/auth/user"


def test_current_user_shows_exactly_the_public_fields(client):
    token = token_for(client, "Me@Example.com")
    body = client.simulate_get(USER, headers=bearer(token)).json
    assert set(body) == {
        "email", "public_id", "admin", "registered_on", "email_verified", "token_expires_in"
    }
    assert body["email"] == "me@example.com"
    assert body["admin"] is False


def test_current_user_public_id_is_the_users_uuid(client):
    token = token_for(client)
    body = client.simulate_get(USER, headers=bearer(token)).json
    assert str(uuid.UUID(body["public_id"])) == str(User.get().public_id)


def test_current_user_registered_on_is_rfc3339_utc(client):
    token = token_for(client)
    registered_on = client.simulate_get(USER, headers=bearer(token)).json["registered_on"]
    assert datetime.fromisoformat(registered_on).utcoffset().total_seconds() == 0


def test_current_user_token_expires_in_is_the_time_left_as_hh_mm_ss(client):
    token = token_for(client)
    left = client.simulate_get(USER, headers=bearer(token)).json["token_expires_in"]
    assert re.fullmatch(r"00:0[45]:\d\d", left)
    hours, minutes, seconds = map(int, left.split(":"))
    assert 290 <= hours * 3600 + minutes * 60 + seconds <= 300


def test_current_user_never_shows_id_or_password_hash(client):
    token = token_for(client)
    text = client.simulate_get(USER, headers=bearer(token)).text
    assert "password" not in text
    assert '"id"' not in text
    assert User.get().password_hash not in text


def test_current_user_response_is_not_cacheable(client):
    token = token_for(client)
    response = client.simulate_get(USER, headers=bearer(token))
    assert response.headers["Cache-Control"] == "no-store"


def test_current_user_of_two_users_are_their_own(client):
    first, second = token_for(client, "one@example.com"), token_for(client, "two@example.com")
    assert client.simulate_get(USER, headers=bearer(first)).json["email"] == "one@example.com"
    assert client.simulate_get(USER, headers=bearer(second)).json["email"] == "two@example.com"
    register(client)
