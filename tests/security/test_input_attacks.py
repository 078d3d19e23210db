"""Hostile input: each refused with a 4xx and the envelope, or stored as plain data; never a 500."""

import pytest

from service.db.models import User, Widget
from tests.support.inprocess import (
    PASSWORD,
    admin_token,
    assert_envelope,
    bearer,
    login,
    register,
    token_for,
)

REGISTER = "/api/v1/auth/register"
WIDGETS = "/api/v1/widgets"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# OWASP API4:2023 (unrestricted resource consumption): a body past the limit is refused unread.
def test_oversized_body_is_413(client):
    body = b'{"email": "a@example.com", "password": "' + b"x" * 1_000_000 + b'"}'
    assert_envelope(client.simulate_post(REGISTER, body=body, headers=JSON), 413)
    assert User.select().count() == 0


# OWASP API4:2023: a deeply nested body cannot exhaust the parser's stack (a RecursionError would be a 500).
@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a":' * 12_000, b'{"email": ' + b"[" * 30_000])
def test_deeply_nested_body_is_400(client, body):
    response = client.simulate_post(REGISTER, body=body, headers=JSON)
    assert_envelope(response, 400, "Input payload validation failed")


# RFC 3986 §2.1 and OWASP Input Validation Cheat Sheet: broken percent-encoding in the path is a 400.
@pytest.mark.parametrize("name", ["%E0%A4%A", "%ZZ", "%", "%25%ZZ", "%00", "%C0%AE%C0%AE"])
def test_malformed_percent_encoding_in_path_is_400(client, name):
    response = client.simulate_get(f"{WIDGETS}/{name}", headers=bearer(token_for(client)))
    assert_envelope(response, 400, "Input payload validation failed")


# OWASP Path Traversal: an encoded "../" leads to no route and no file.
@pytest.mark.parametrize("path", ["/api/v1/widgets/..%2F..%2Fhealth", "/api/v1/ui/..%2F..%2Fservice%2Fsettings.py"])
def test_encoded_path_traversal_reaches_nothing(client, path):
    response = client.simulate_get(path, headers=bearer(token_for(client)))
    assert response.status_code in (400, 404)
    assert response.json["status"] == "fail"


# RFC 3986 §2.1: broken percent-encoding in the query string is a 400 naming the parameter.
@pytest.mark.parametrize("query", ["page=%ZZ", "page=%FF", "page=1%00", "per_page=%E0%A4%A"])
def test_malformed_percent_encoding_in_query_is_400(client, query):
    response = client.simulate_get(WIDGETS, query_string=query, headers=bearer(token_for(client)))
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) <= {"page", "per_page"}


# RFC 3629 and OWASP Input Validation Cheat Sheet: bytes that are not UTF-8 never reach the database.
@pytest.mark.parametrize(
    "body,headers",
    [
        (b'{"email": "a@example.com", "password": "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"}', JSON),
        (b'{"email": "a@example.com", "password": "\xc0\xaf\xc0\xaf\xc0\xaf\xc0\xaf"}', JSON),
        (b"email=a%40example.com&password=%ED%A0%80%ED%A0%80xxxx", FORM),
        (b"email=a%40example.com&password=%C3%28%C3%28%C3%28%C3%28", FORM),
        (b'{"email": "a@example.com", "password": "\\udc80\\udc80\\udc80\\udc80"}', JSON),
    ],
    ids=["invalid-bytes", "overlong-slash", "form-surrogates", "form-truncated", "json-lone-surrogates"],
)
def test_malformed_utf8_is_400_and_writes_nothing(client, body, headers):
    response = client.simulate_post(REGISTER, body=body, headers=headers)
    assert_envelope(response, 400, "Input payload validation failed")
    assert User.select().count() == 0


# NIST SP 800-63B §5.1.1.2 and OWASP Password Storage Cheat Sheet: a length bound keeps argon2 from being a DoS lever.
def test_password_past_the_bound_is_400_before_hashing(client):
    response = register(client, password="x" * 1025)
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"password"}


SQL_SHAPES = ["' OR '1'='1", "x'; DROP TABLE users; --", '" OR 1=1 --', "1 UNION SELECT password_hash FROM users"]


# OWASP Top 10 A03:2021 (injection): credentials shaped as SQL log nobody in.
@pytest.mark.parametrize("shape", SQL_SHAPES)
def test_sql_shaped_credentials_log_nobody_in(client, shape):
    register(client, "user@example.com")
    assert login(client, f"user@example.com{shape}", PASSWORD).status_code in (400, 401)
    assert login(client, "user@example.com", shape + "padding").status_code == 401


# OWASP Top 10 A03:2021: SQL-shaped names and queries are refused by the spec before any query runs.
@pytest.mark.parametrize("shape", SQL_SHAPES)
def test_sql_shaped_widget_name_and_query_are_400(client, shape):
    auth = bearer(token_for(client))
    assert client.simulate_get(f"{WIDGETS}/{shape}", headers=auth).status_code == 400
    assert client.simulate_get(WIDGETS, params={"page": shape}, headers=auth).status_code == 400


# OWASP ASVS 5.3.4 (parameterised queries): SQL-shaped text that is valid data is stored verbatim and harms nothing.
def test_sql_shaped_url_is_stored_verbatim(client):
    admin = bearer(admin_token(client))
    url = "https://www.example.com/?q='); DROP TABLE widgets; --"
    body = {"name": "w", "info_url": url.replace(" ", "%20"), "deadline": "12/31/2030"}
    assert client.simulate_post(WIDGETS, json=body, headers=admin).status_code == 201
    assert Widget.get().info_url == body["info_url"]
    assert client.simulate_get(f"{WIDGETS}/w", headers=admin).json["info_url"] == body["info_url"]
