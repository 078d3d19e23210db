"""Mail operations: per-address mail limits, RateLimit headers, and production without SMTP_URL."""

import falcon.testing
import pytest

from service.app import create_app
from service.db.connection import bind
from service.db.models import OutboxMail
from tests.support.databases import empty_tables
from tests.support.inprocess import assert_envelope, random_email, register
from tests.support.settings import make_settings

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "Zx8-qL2vN7pR4tW9yB3mK6cF1hJ5sD0gA8eU2iO7",
              "WIDGET_API_MAIL_OFF_WARNED": "1"}


def client_with(database_url, database, **env):
    bind(database)
    empty_tables(database)
    return falcon.testing.TestClient(create_app(make_settings(database_url, **env), database))


def reset(client, email):
    return client.simulate_post("/api/v1/auth/password/reset", json={"email": email})


def test_mails_for_one_address_are_limited_whether_or_not_it_exists(database_url, database):
    client = client_with(database_url, database, LOGIN_MAX_FAILURES="3")
    known, unknown = random_email(), random_email()
    register(client, known)
    for email in (known, unknown):
        assert [reset(client, email).status_code for _ in range(3)] == [202] * 3
        refused = reset(client, email)
        assert_envelope(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
    assert OutboxMail.select().where(OutboxMail.recipient == known).count() == 1 + 3  # welcome, 3 resets


@pytest.mark.parametrize("path, body", [
    ("/api/v1/auth/password/reset", {"email": "a@example.com"}),
    ("/api/v1/auth/email/verify/resend", {"email": "a@example.com"}),
    ("/api/v1/auth/email/verify", {"key": "A" * 43}),
    ("/api/v1/auth/password/reset/confirm", {"key": "A" * 43, "new_password": "a long passphrase"}),
])
def test_anonymous_mail_operations_count_against_the_client_address(database_url, database, path, body):
    client = client_with(database_url, database, AUTH_RATE_LIMIT="2/60")
    answers = [client.simulate_post(path, json=body) for _ in range(3)]
    assert all("RateLimit" in answer.headers for answer in answers)
    assert answers[-1].status_code == 429


def test_production_without_smtp_url_registers_without_mail_and_refuses_mail_operations(
    database_url, database
):
    client = client_with(database_url, database, **PRODUCTION)
    email = random_email()
    assert register(client, email).status_code == 201
    assert OutboxMail.select().count() == 0
    refused = reset(client, email)
    assert_envelope(refused, 503)
    assert "SMTP_URL" in refused.json["message"]
