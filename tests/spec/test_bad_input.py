"""Malformed requests: each a 4xx with the envelope, and the database unchanged."""

import pytest

from service.db.models import User
from tests.support.inprocess import PASSWORD, admin_token, assert_envelope, bearer

REGISTER = "/api/v1/auth/register"
JSON = {"Content-Type": "application/json"}

MALFORMED_JSON = [
    b"{",
    b'{"email": "a@b.co", "password": ',
    b"not json",
    b"\xff\xfe\x00",
    b'{"email": "a@b.co", "password": "' + b"\xc3\x28" + b'xxxxxxxx"}',
    b"[" * 60_000,
    b"{\"a\":" * 12_000,
    b"null",
    b"[]",
    b'"a string"',
    b"12",
    b'{"email": "\\ud800@example.com", "password": "xxxxxxxxx"}',
    b'{"email": "a@example.com", "password": "xxxxxxxx\\u0000"}',
    b'{"email": "a\\u0000@example.com", "password": "xxxxxxxxx"}',
    b'{"email": {"$gt": ""}, "password": "xxxxxxxxx"}',
    b'{"email": ["a@example.com"], "password": "xxxxxxxxx"}',
    b'{"email": "a@example.com", "password": 123456789}',
]


@pytest.mark.parametrize("body", MALFORMED_JSON, ids=range(len(MALFORMED_JSON)))
def test_malformed_json_body_is_400_and_writes_nothing(client, body):
    response = client.simulate_post(REGISTER, body=body, headers=JSON)
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"]
    assert User.select().count() == 0


MALFORMED_FORMS = [
    b"email=a%40example.com",
    b"email=a%40example.com&password=x%FF%FExxxxxxx",
    b"email=%00%40example.com&password=xxxxxxxxx",
    b"%%%%",
    b"email=first+last&password=xxxxxxxxx",
]


@pytest.mark.parametrize("body", MALFORMED_FORMS, ids=range(len(MALFORMED_FORMS)))
def test_malformed_form_body_is_400_and_writes_nothing(client, body):
    response = client.simulate_post(
        REGISTER, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_envelope(response, 400, "Input payload validation failed")
    assert User.select().count() == 0


def test_form_field_sent_twice_counts_once_with_its_first_value(client):
    response = client.simulate_post(
        REGISTER,
        body=b"email=first%40example.com&email=second%40example.com&password=xxxxxxxxx&submit=Go",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201
    assert User.get().email == "first@example.com"


def test_missing_body_is_400_naming_every_required_field(client):
    response = client.simulate_post(REGISTER, headers=JSON)
    assert response.json["errors"] == {
        "email": "email is required", "password": "password is required"
    }


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", ""])
def test_unsupported_content_type_is_415(client, content_type):
    body = f'{{"email": "a@example.com", "password": "{PASSWORD}"}}'
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.simulate_post(REGISTER, body=body, headers=headers)
    assert_envelope(response, 415)
    assert User.select().count() == 0


def test_json_with_charset_parameter_is_accepted(client):
    response = client.simulate_post(
        REGISTER,
        body=f'{{"email": "a@example.com", "password": "{PASSWORD}"}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_oversized_body_is_413(client):
    body = b'{"email": "a@example.com", "password": "' + b"x" * 70_000 + b'"}'
    assert_envelope(client.simulate_post(REGISTER, body=body, headers=JSON), 413)
    assert User.select().count() == 0


def test_oversized_declared_length_is_413_before_reading(client):
    response = client.simulate_post(
        REGISTER, body=b"{}", headers={**JSON, "Content-Length": str(10**9)}
    )
    assert_envelope(response, 413)


@pytest.mark.parametrize(
    "email",
    ["' OR '1'='1@example.com", "a@example.com'; DROP TABLE users; --", "\" OR 1=1 --@x.io"],
)
def test_injection_shaped_input_is_refused_or_stored_harmlessly(client, email):
    response = client.simulate_post(REGISTER, json={"email": email, "password": PASSWORD})
    assert response.status_code in (201, 400)
    assert User.select().count() == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+00:01"])
def test_a_deadline_beyond_the_calendar_in_utc_is_400(client, deadline):
    body = {"name": "far", "info_url": "https://example.com", "deadline": deadline}
    headers = bearer(admin_token(client))
    response = client.simulate_post("/api/v1/widgets", json=body, headers=headers)
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"]["deadline"].startswith(f"{deadline} is not a valid date")


@pytest.mark.parametrize("public_id", ["not-a-uuid", "12345678-1234-1234-1234-12345678901G"])
def test_a_malformed_uuid_is_named_in_the_contracts_words(client, public_id):
    """Not in Python's: `uuid.UUID`'s own error ("badly formed hexadecimal UUID string")."""
    headers = bearer(admin_token(client))
    response = client.simulate_get(f"/api/v1/users/{public_id}", headers=headers)
    assert_envelope(response, 400)
    assert response.json["errors"] == {"public_id": f"{public_id} is not a valid uuid"}


def test_a_missing_nested_member_is_named_by_its_path(client):
    credential = {"id": "AQID", "rawId": "AQID", "type": "public-key", "response": {}}
    body = {"ceremony": "0b6e2ab5-1f0e-4c3a-9d4e-6a1f2b3c4d5e", "credential": credential}
    response = client.simulate_post("/api/v1/auth/passkeys/login", json=body)
    assert_envelope(response, 400, "Input payload validation failed")
    errors = response.json["errors"]
    assert errors["credential.response.clientDataJSON"] == (
        "credential.response.clientDataJSON is required")
    assert "clientDataJSON" not in errors
