"""POST /api/v1/auth/login."""

import argon2

from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.models import User
from tests.support.inprocess import PASSWORD, assert_envelope, login, post_form, register

BAD_CREDENTIALS = "email or password does not match"


def test_login_returns_200_with_a_bearer_token(client):
    register(client, "user@example.com")
    response = login(client, "user@example.com")
    assert response.status_code == 200
    assert response.json["message"] == "successfully logged in"
    assert response.json["token_type"] == "bearer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_login_accepts_a_form_encoded_body(client):
    register(client, "user@example.com")
    response = post_form(client, "/api/v1/auth/login", {"email": "user@example.com", "password": PASSWORD})
    assert response.status_code == 200


def test_login_email_is_case_insensitive(client):
    register(client, "user@example.com")
    assert login(client, "USER@Example.com").status_code == 200


def test_login_wrong_password_is_401_with_challenge(client):
    register(client, "user@example.com")
    response = login(client, "user@example.com", "wrong password!")
    assert_envelope(response, 401, BAD_CREDENTIALS)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="registered_users@widget-api"'
    assert "access_token" not in response.json


def test_login_unknown_email_answers_the_same_bytes_as_wrong_password(client):
    register(client, "user@example.com")
    wrong_password = login(client, "user@example.com", "wrong password!")
    unknown_email = login(client, "nobody@example.com")
    assert unknown_email.status_code == wrong_password.status_code == 401
    assert unknown_email.content == wrong_password.content
    names = {*unknown_email.headers, *wrong_password.headers}
    differing = {n for n in names if unknown_email.headers.get(n) != wrong_password.headers.get(n)}
    assert differing == {"x-request-id"}  # each response has its own id; nothing else differs


class CountingHasher(argon2.PasswordHasher):
    """A real argon2 hasher that counts verifications."""

    verifications = 0

    def verify(self, hash, password):
        CountingHasher.verifications += 1
        return super().verify(hash, password)


def test_login_unknown_email_spends_one_hash_verification_like_wrong_password(client):
    passwords = Passwords(CountingHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.register("user@example.com", PASSWORD, passwords)
    spent = []
    for email, password in [("user@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)]:
        before = CountingHasher.verifications
        try:
            accounts.authenticate(email, password, passwords)
        except Exception:
            pass
        spent.append(CountingHasher.verifications - before)
    assert spent == [1, 1]


def test_login_rehashes_when_hash_parameters_changed(client):
    old = Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    new = Passwords(argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    accounts.register("user@example.com", PASSWORD, old)
    accounts.authenticate("user@example.com", PASSWORD, new)
    stored = argon2.extract_parameters(User.get().password_hash)
    assert (stored.time_cost, stored.memory_cost) == (2, 16)


def test_login_keeps_the_hash_when_parameters_are_current(client):
    register(client, "user@example.com")
    before = User.get().password_hash
    login(client, "user@example.com")
    assert User.get().password_hash == before


def test_login_invalid_email_is_a_validation_error(client):
    response = login(client, "first last")
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"] == {"email": "first last is not a valid email"}
