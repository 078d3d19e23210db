"""A database whose schema lags the code: /ready says so, the API answers 503, nothing creates it."""

import logging

import falcon.testing
import pytest
from playhouse.migrations import Migration, Runner

from service.app import create_app
from service.db.connection import MIGRATIONS_DIR, bind, migrate, open_database
from service.db.models import db
from tests.support.databases import drop_postgres_database, fresh_postgres_database
from tests.support.inprocess import assert_envelope, random_email
from tests.support.settings import POSTGRES_TEST_DB, make_settings

MIGRATIONS = [migration.name for migration in Migration.load_directory(str(MIGRATIONS_DIR))]
GENERIC_503 = "Service temporarily unavailable, please retry"


def pending_message(count: int) -> str:
    return (f"the database schema is not up to date ({count} pending migration(s)): "
            "run `widget-api migrate`")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """The URL of a database that exists but has never been migrated."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        open_database(url).connect()  # creates the file, and nothing in it
        yield url
        return
    url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_unmigrated")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def client_on():
    """A client of the app as gunicorn builds it (from settings alone) on a database URL.

    The models go back to the database they were bound to before.
    """
    previous = db.obj
    yield lambda url: falcon.testing.TestClient(create_app(make_settings(url)))
    if previous is not None:
        bind(previous)


def register(client):
    return client.simulate_post(
        "/api/v1/auth/register", json={"email": random_email(), "password": "a long passphrase"}
    )


def test_ready_answers_503_naming_the_pending_migrations_on_an_unmigrated_database(
    empty_database_url, client_on
):
    response = client_on(empty_database_url).simulate_get("/ready")
    assert_envelope(response, 503, pending_message(len(MIGRATIONS)))
    assert int(response.headers["Retry-After"]) >= 1


def test_ready_counts_only_the_migrations_not_yet_applied(empty_database_url, client_on):
    Runner(open_database(empty_database_url), directory=str(MIGRATIONS_DIR)).up(MIGRATIONS[0])
    response = client_on(empty_database_url).simulate_get("/ready")
    assert_envelope(response, 503, pending_message(len(MIGRATIONS) - 1))


def test_ready_answers_200_once_migrate_has_run_without_a_restart(empty_database_url, client_on):
    client = client_on(empty_database_url)
    assert client.simulate_get("/ready").status_code == 503
    migrate(open_database(empty_database_url))
    assert client.simulate_get("/ready").json == {"status": "ok"}


def test_api_call_on_an_unmigrated_database_answers_503_and_logs_the_reason(
    empty_database_url, client_on, caplog
):
    with caplog.at_level(logging.WARNING):
        response = register(client_on(empty_database_url))
    assert_envelope(response, 503, GENERIC_503)
    assert "Retry-After" in response.headers
    assert pending_message(len(MIGRATIONS)) in caplog.text


def test_serving_a_missing_sqlite_file_answers_503_and_creates_no_file(tmp_path, client_on):
    path = tmp_path / "never-created.db"
    client = client_on(f"sqlite:///{path}")
    assert_envelope(client.simulate_get("/ready"), 503, pending_message(len(MIGRATIONS)))
    assert_envelope(register(client), 503, GENERIC_503)
    assert not path.exists()
