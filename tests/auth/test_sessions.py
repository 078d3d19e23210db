"""Sessions: refresh with rotation and reuse detection, listing and ending them, password change."""

from datetime import timedelta
from urllib.parse import urlencode

import jwt

from service.auth.sessions import digest
from service.db.models import RefreshToken, User
from service.settings import Settings
from tests.support.inprocess import (
    PASSWORD,
    assert_envelope,
    bearer,
    login,
    random_email,
    register,
)
from tests.support.sessions import (
    REFRESH,
    SESSIONS,
    change_password,
    refresh,
    session_of,
    sessions_of,
    works,
)
from tests.support.settings import TESTING_ENV
from tests.support.tokens import forge

INVALID_REFRESH = "Invalid refresh token. Please log in again."
BLACKLISTED = "Token blacklisted. Please log in again."
SESSION_ENDED = "Token blacklisted: its session has ended. Please log in again."
NEW_PASSWORD = "a new and longer passphrase"
# The testing profile's session lifetime: at least its tokens' (300 s here), as sessions must outlive them.
SESSION_SECONDS = Settings.from_env(TESTING_ENV).refresh_token_expire_seconds


def test_register_and_login_start_a_session_with_a_refresh_token(client):
    email = random_email()
    for response in (register(client, email), login(client, email)):
        body = response.json
        assert len(body["refresh_token"]) == 43
        assert body["refresh_expires_in"] == SESSION_SECONDS == 300
        assert session_of(body["access_token"])
    assert len(sessions_of(client, body["access_token"])) == 2


def test_refresh_token_is_stored_only_as_its_hash(client):
    token = register(client).json["refresh_token"]
    stored = [row.token_hash for row in RefreshToken.select()]
    assert stored == [digest(token)] and token not in stored


def test_refresh_answers_new_tokens_of_the_same_session(client):
    first = register(client).json
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200, response.text
    body = response.json
    assert body["message"] == "successfully refreshed"
    assert body["refresh_token"] != first["refresh_token"]
    assert session_of(body["access_token"]) == session_of(first["access_token"])
    assert response.headers["Cache-Control"] == "no-store"
    assert works(client, body["access_token"])
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_refresh_accepts_a_form_body(client):
    token = register(client).json["refresh_token"]
    response = client.simulate_post(
        REFRESH, body=urlencode({"refresh_token": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text


def test_refresh_access_token_carries_the_users_current_admin_right(client):
    first = register(client).json
    User.update(admin=True).execute()
    access = refresh(client, first["refresh_token"]).json["access_token"]
    assert jwt.decode(access, options={"verify_signature": False})["admin"] is True


def test_spent_refresh_token_answers_401_and_ends_the_whole_session(client):
    first = register(client).json
    second = refresh(client, first["refresh_token"]).json
    replay = refresh(client, first["refresh_token"])
    assert_envelope(replay, 401, INVALID_REFRESH)
    assert replay.headers["WWW-Authenticate"] == 'Bearer realm="registered_users@widget-api"'
    assert not works(client, second["access_token"])
    assert not works(client, first["access_token"])
    assert_envelope(refresh(client, second["refresh_token"]), 401, INVALID_REFRESH)


def test_reuse_ends_only_that_session(client):
    email = random_email()
    first = register(client, email).json
    other = login(client, email).json
    refresh(client, first["refresh_token"])
    refresh(client, first["refresh_token"])
    assert works(client, other["access_token"])
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_unknown_refresh_token_answers_401(client):
    assert_envelope(refresh(client, "A" * 43), 401, INVALID_REFRESH)


def test_expired_refresh_token_answers_401(frozen_clock, client):
    token = register(client).json["refresh_token"]
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=SESSION_SECONDS))
    assert_envelope(refresh(client, token), 401, INVALID_REFRESH)


def test_refresh_token_still_works_just_before_it_expires(frozen_clock, client):
    token = register(client).json["refresh_token"]
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=SESSION_SECONDS - 1))
    assert refresh(client, token).status_code == 200


def test_logout_ends_the_session_and_its_refresh_token(client):
    first = register(client).json
    second = refresh(client, first["refresh_token"]).json
    assert client.simulate_post("/api/v1/auth/logout", headers=bearer(second["access_token"])).status_code == 200
    assert_envelope(refresh(client, second["refresh_token"]), 401, INVALID_REFRESH)
    assert_envelope(client.simulate_get("/api/v1/auth/user", headers=bearer(first["access_token"])),
                    401, SESSION_ENDED)  # the logged-out token itself is BLACKLISTED
    assert_envelope(client.simulate_get("/api/v1/auth/user", headers=bearer(second["access_token"])),
                    401, BLACKLISTED)


def test_after_a_spent_refresh_token_ends_the_session_its_access_token_says_so(client):
    first = register(client).json
    refresh(client, first["refresh_token"])
    assert refresh(client, first["refresh_token"]).status_code == 401  # spent again: leaked
    response = client.simulate_get("/api/v1/auth/user", headers=bearer(first["access_token"]))
    assert_envelope(response, 401, SESSION_ENDED)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_sessions_lists_the_callers_active_sessions_newest_first(client):
    email = random_email()
    register(client, email)
    client.simulate_post("/api/v1/auth/login", json={"email": email, "password": PASSWORD},
                         headers={"User-Agent": "phone/2.0"})
    newest = login(client, email).json["access_token"]
    register(client)  # another user's session is never shown
    listed = sessions_of(client, newest)
    assert [s["current"] for s in listed] == [True, False, False]
    assert listed[0]["id"] == session_of(newest)
    assert listed[1]["user_agent"] == "phone/2.0"
    assert listed[0]["created_at"] >= listed[1]["created_at"] >= listed[2]["created_at"]


def test_sessions_leaves_out_ended_and_expired_ones(frozen_clock, client):
    email = random_email()
    ended = register(client, email).json["access_token"]
    client.simulate_delete(f"{SESSIONS}/{session_of(ended)}", headers=bearer(ended))
    login(client, email)
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=SESSION_SECONDS + 1))
    current = login(client, email).json["access_token"]
    assert [s["id"] for s in sessions_of(client, current)] == [session_of(current)]


def test_end_session_answers_204_and_its_tokens_stop_working(client):
    email = random_email()
    keep = register(client, email).json
    gone = login(client, email).json
    response = client.simulate_delete(f"{SESSIONS}/{session_of(gone['access_token'])}",
                                      headers=bearer(keep["access_token"]))
    assert response.status_code == 204
    assert not works(client, gone["access_token"])
    assert_envelope(refresh(client, gone["refresh_token"]), 401, INVALID_REFRESH)
    assert works(client, keep["access_token"])


def test_end_session_of_another_user_answers_404_and_leaves_it(client):
    mine = register(client).json["access_token"]
    theirs = register(client).json["access_token"]
    response = client.simulate_delete(f"{SESSIONS}/{session_of(theirs)}", headers=bearer(mine))
    assert_envelope(response, 404, "session not found")
    assert works(client, theirs)


def test_end_session_unknown_answers_404(client):
    token = register(client).json["access_token"]
    response = client.simulate_delete(f"{SESSIONS}/6f1c2d3e-4b5a-4978-8c6d-5e4f3a2b1c0d",
                                      headers=bearer(token))
    assert_envelope(response, 404, "session not found")


def test_end_session_with_a_malformed_id_answers_400(client):
    token = register(client).json["access_token"]
    response = client.simulate_delete(f"{SESSIONS}/not-a-uuid", headers=bearer(token))
    assert_envelope(response, 400)
    assert "id" in response.json["errors"]


def test_end_all_sessions_ends_every_session_the_current_one_included(client):
    email = random_email()
    first = register(client, email).json
    second = login(client, email).json
    response = client.simulate_delete(SESSIONS, headers=bearer(second["access_token"]))
    assert response.status_code == 204
    for issued in (first, second):
        assert not works(client, issued["access_token"])
        assert_envelope(refresh(client, issued["refresh_token"]), 401, INVALID_REFRESH)
    assert login(client, email).status_code == 200


def test_change_password_answers_a_new_session_and_ends_every_earlier_one(client):
    email = random_email()
    first = register(client, email).json
    other = login(client, email).json
    response = change_password(client, first["access_token"], NEW_PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json
    assert body["message"] == "password changed"
    assert session_of(body["access_token"]) not in {
        session_of(first["access_token"]), session_of(other["access_token"])}
    for issued in (first, other):
        assert not works(client, issued["access_token"])
        assert refresh(client, issued["refresh_token"]).status_code == 401
    assert works(client, body["access_token"])
    assert login(client, email).status_code == 401
    assert client.simulate_post("/api/v1/auth/login", json={
        "email": email, "password": NEW_PASSWORD}).status_code == 200


def test_change_password_with_the_wrong_current_one_answers_400_and_changes_nothing(client):
    email = random_email()
    token = register(client, email).json["access_token"]
    response = change_password(client, token, NEW_PASSWORD, current="not the password")
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["current_password"]
    assert works(client, token)
    assert login(client, email).status_code == 200


def test_change_password_wrong_current_ones_count_as_failed_logins(client_with):
    client = client_with(LOGIN_MAX_FAILURES="2")
    email = random_email()
    token = register(client, email).json["access_token"]
    for _ in range(2):
        assert change_password(client, token, NEW_PASSWORD, current="wrong one").status_code == 400
    refused = change_password(client, token, NEW_PASSWORD)
    assert_envelope(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert login(client, email).status_code == 429


def test_change_password_applies_register_rules_to_the_new_one(client):
    token = register(client).json["access_token"]
    response = change_password(client, token, "short")
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["new_password"]


def test_token_from_before_sessions_existed_keeps_working(client):
    register(client)
    legacy = forge(client)  # no `sid`, as every token issued before the upgrade
    assert works(client, legacy)
    assert [s["current"] for s in sessions_of(client, legacy)] == [False]
