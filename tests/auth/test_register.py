"""POST /api/v1/auth/register."""

import pytest

from service.db.models import User
from tests.support.inprocess import PASSWORD, assert_envelope, post_form, random_email, register

PATH = "/api/v1/auth/register"


def test_register_returns_201_with_a_bearer_token(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "success"
    assert body["message"] == "successfully registered"
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert body["access_token"].count(".") == 2


def test_register_response_is_not_cacheable(client):
    response = register(client)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_register_accepts_a_form_encoded_body(client):
    response = post_form(client, PATH, {"email": random_email(), "password": PASSWORD})
    assert response.status_code == 201
    assert response.json["message"] == "successfully registered"


def test_register_stores_the_email_in_lowercase(client):
    register(client, "Mixed.Case@Example.COM")
    assert User.get().email == "mixed.case@example.com"


def test_register_stores_an_argon2id_hash_not_the_password(client):
    register(client, "hash@example.com")
    stored = User.get().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_register_existing_email_is_409_without_token(client):
    register(client, "taken@example.com")
    response = register(client, "taken@example.com")
    assert_envelope(response, 409, "taken@example.com is already registered")
    assert "access_token" not in response.json


def test_register_existing_email_in_other_case_is_409(client):
    register(client, "taken@example.com")
    response = register(client, "TAKEN@Example.com")
    assert_envelope(response, 409, "taken@example.com is already registered")
    assert User.select().count() == 1


def test_register_invalid_email_names_only_email(client):
    response = register(client, "first last")
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"] == {"email": "first last is not a valid email"}


def test_register_reports_every_failing_field_at_once(client):
    response = client.simulate_post(PATH, json={"email": "nope", "password": "short"})
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"email", "password"}


def test_register_missing_fields_are_each_named(client):
    response = client.simulate_post(PATH, json={})
    assert response.json["errors"] == {
        "email": "email is required",
        "password": "password is required",
    }


def test_register_empty_password_is_refused(client):
    response = register(client, password="")
    assert_envelope(response, 400)
    assert set(response.json["errors"]) == {"password"}


def test_register_password_over_the_bound_is_refused(client):
    response = register(client, password="x" * 1025)
    assert response.json["errors"] == {"password": "password is too long: at most 1024 characters"}


def test_register_password_error_never_echoes_the_password(client):
    response = register(client, password="secret!")
    assert "secret!" not in response.text


def test_register_unknown_field_is_refused_and_named(client):
    response = client.simulate_post(
        PATH, json={"email": random_email(), "password": PASSWORD, "admin": True}
    )
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["admin"]
    assert User.select().count() == 0


def test_register_wrong_type_names_the_value(client):
    response = client.simulate_post(PATH, json={"email": 42, "password": PASSWORD})
    assert response.json["errors"] == {"email": "42 is not a valid string"}


def test_register_accepts_unicode_password(client):
    response = register(client, password="pässwörd-密码-🔑")
    assert response.status_code == 201


def test_register_injection_shaped_email_is_stored_verbatim(client):
    email = "x'or'1'='1'--drop_table_users@example.com"
    assert register(client, email).status_code == 201
    assert User.get().email == email


def test_concurrent_duplicate_registrations_give_one_201(client, app):
    """The database's unique index, not a check-then-insert, decides the race."""
    from concurrent.futures import ThreadPoolExecutor

    import falcon.testing

    def attempt(_):
        return register(falcon.testing.TestClient(app), "race@example.com").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert sorted(statuses) == [201] + [409] * 7


@pytest.mark.parametrize("email", ["a@b", "@example.com", "user@", "a b@example.com", "x" * 250 + "@e.com"])
def test_register_refuses_malformed_emails(client, email):
    response = register(client, email)
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["email"]


def test_register_refuses_an_email_with_a_trailing_newline(client):
    response = register(client, "user@example.com\n")
    assert list(response.json["errors"]) == ["email"]
