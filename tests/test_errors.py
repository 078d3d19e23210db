"""Errors from every source share the envelope; internals never leak."""

import json

import falcon
import falcon.testing
import pytest

from service import errors
from service.app import create_app
from service.db.connection import open_database
from tests.support.inprocess import assert_envelope
from tests.support.settings import make_settings

CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/nowhere"


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("DELETE", "/api/v1/auth/user", "GET, HEAD"),
        ("GET", "/api/v1/auth/login", "POST"),
        ("PUT", "/api/v1/auth/register", "POST"),
        ("PATCH", "/api/v1/auth/logout", "POST"),
        ("POST", "/health", "GET, HEAD"),
        ("OPTIONS", "/ready", "GET, HEAD"),
        ("HEAD", "/api/v1/auth/login", "POST"),
    ],
)
def test_unsupported_method_is_405_with_allow(client, method, path, allowed):
    response = client.simulate_request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    if method != "HEAD":
        assert response.json == {"status": "fail", "message": "Method Not Allowed"}


def test_unknown_path_is_404_with_envelope(client):
    assert_envelope(client.simulate_get("/api/v1/nothing-here"), 404, "Not Found")


def test_unexpected_exception_is_500_without_internals():
    app = falcon.App()
    errors.install(app)

    class Broken:
        def on_get(self, req, resp):
            raise RuntimeError("secret internals /etc/passwd")

    app.add_route("/broken", Broken())
    response = falcon.testing.TestClient(app).simulate_get("/broken")
    assert response.json == {"status": "fail", "message": "Internal Server Error"}
    assert "secret" not in response.text
    assert "Traceback" not in response.text


@pytest.fixture
def unreachable_client(database):
    """An app whose database is a closed port; the shared database is re-bound afterwards."""
    from service.db.connection import bind

    app = create_app(make_settings(CLOSED_PORT_URL), open_database(CLOSED_PORT_URL))
    yield falcon.testing.TestClient(app)
    bind(database)


def test_ready_answers_503_with_retry_after_when_the_database_is_unreachable(unreachable_client):
    response = unreachable_client.simulate_get("/ready")
    assert_envelope(response, 503)
    assert int(response.headers["Retry-After"]) >= 1


def test_api_call_answers_503_when_the_database_is_unreachable(unreachable_client):
    response = unreachable_client.simulate_post(
        "/api/v1/auth/login", json={"email": "a@example.com", "password": "long enough"}
    )
    assert_envelope(response, 503, "Service temporarily unavailable, please retry")
    assert "Retry-After" in response.headers


def test_health_answers_200_without_the_database(unreachable_client):
    assert unreachable_client.simulate_get("/health").json == {"status": "ok"}


def test_ready_answers_200_when_the_database_answers(client):
    assert client.simulate_get("/ready").json == {"status": "ok"}


def test_an_envelope_of_many_long_field_errors_stays_under_8_kb_and_counts_what_it_leaves_out():
    fields = {f"field-{i}-" + "\u0001" * 300: "\u0001" * 2000 for i in range(300)}
    body = json.dumps(errors.ValidationFailed(fields).envelope())
    assert len(body) < 8 * 1024
    shown = errors.ValidationFailed(fields).envelope()["errors"]
    assert shown["..."] == f"{300 - (len(shown) - 1)} more errors are not shown"
    assert all(len(name) <= 100 and len(message) <= 400 for name, message in shown.items())


def test_an_envelope_of_a_few_field_errors_shows_each_whole():
    fields = {"email": "first last is not a valid email", "password": "password is required"}
    assert errors.ValidationFailed(fields).envelope()["errors"] == fields
