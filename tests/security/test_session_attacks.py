"""Attacks on sessions: substituted tokens, refresh tokens where access tokens go and back, timing."""

import logging
import time
import uuid

import jwt

from service.db.models import User
from tests.support.inprocess import assert_envelope, bearer, random_email, register
from tests.support.sessions import REFRESH, SESSIONS, refresh, session_of, works
from tests.support.settings import TEST_SECRET
from tests.support.tokens import INVALID, challenge


def signed(sub: str, sid: str) -> str:
    """A token the service's key signed, pairing a user with a session of someone else's."""
    now = int(time.time())
    claims = {"sub": sub, "admin": False, "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex,
              "sid": sid}
    return jwt.encode(claims, TEST_SECRET, "HS256", headers={"typ": "at+jwt"})


def test_a_token_naming_another_users_session_is_refused(client):
    mine = register(client, "mine@example.com").json["access_token"]
    theirs = register(client).json["access_token"]
    me = str(User.get(User.email == "mine@example.com").public_id)
    assert works(client, signed(me, session_of(mine)))
    assert not works(client, signed(me, session_of(theirs)))


def test_a_token_naming_an_unknown_session_is_refused(client):
    register(client, "mine@example.com")
    me = str(User.get(User.email == "mine@example.com").public_id)
    assert not works(client, signed(me, str(uuid.uuid4())))


def test_a_token_with_a_malformed_session_claim_is_refused(client):
    register(client, "mine@example.com")
    me = str(User.get(User.email == "mine@example.com").public_id)
    response = client.simulate_get("/api/v1/auth/user", headers=bearer(signed(me, "1 OR 1=1")))
    assert_envelope(response, 401, INVALID)
    assert response.headers["WWW-Authenticate"] == challenge(INVALID)


def test_one_user_cannot_end_another_users_session_by_its_id(client):
    mine = register(client).json["access_token"]
    theirs = register(client).json
    response = client.simulate_delete(f"{SESSIONS}/{session_of(theirs['access_token'])}",
                                      headers=bearer(mine))
    assert_envelope(response, 404)
    assert works(client, theirs["access_token"])
    assert refresh(client, theirs["refresh_token"]).status_code == 200


def test_a_refresh_token_is_no_bearer_token(client):
    issued = register(client).json
    response = client.simulate_get("/api/v1/auth/user", headers=bearer(issued["refresh_token"]))
    assert_envelope(response, 401, INVALID)


def test_refresh_refuses_a_refresh_token_sent_in_the_authorization_header(client):
    issued = register(client).json
    response = client.simulate_post(REFRESH, headers=bearer(issued["refresh_token"]))
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["refresh_token"]
    assert refresh(client, issued["refresh_token"]).status_code == 200  # still unspent


def test_refresh_refuses_an_access_token_and_leaves_its_session(client):
    issued = register(client).json
    response = refresh(client, issued["access_token"])
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["refresh_token"]
    assert works(client, issued["access_token"])


def statements(caplog, call) -> list:
    """The SQL statements `call` sends, without their parameters."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        call()
    return [record.msg[0] for record in caplog.records if record.name == "peewee"]


def test_refresh_runs_the_same_statements_for_unknown_and_spent_tokens(client, caplog):
    """The answer is the same, and so is the work: timing does not tell a spent token from a guess."""
    issued = register(client, random_email()).json
    assert refresh(client, issued["refresh_token"]).status_code == 200
    unknown = statements(caplog, lambda: assert_envelope(refresh(client, "B" * 43), 401))
    spent = statements(caplog, lambda: assert_envelope(refresh(client, issued["refresh_token"]), 401))
    assert unknown and unknown == spent
