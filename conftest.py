"""Fixtures shared by every suite: one database per backend, the app, a client.

Each database-backed test runs once on SQLite and once on PostgreSQL. The
PostgreSQL run is skipped, with the reason, when no server answers at
TEST_POSTGRES_URL; with REQUIRE_POSTGRES=1 (as in CI) it fails instead.
Helpers live in tests/support; this file holds fixtures only.
"""

import falcon.testing
import pytest

from service.app import create_app
from service.clock import clock
from service.db.connection import bind, migrate, open_database
from service.settings import Settings
from tests.support.databases import empty_tables, fresh_postgres_database
from tests.support.settings import FROZEN_AT, POSTGRES_TEST_DB, make_settings


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return fresh_postgres_database(POSTGRES_TEST_DB)


@pytest.fixture(scope="session")
def database(database_url):
    database = open_database(database_url)
    migrate(database)
    yield database
    database.close()


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings, database):
    return create_app(settings, database)


@pytest.fixture
def client(app, database) -> falcon.testing.TestClient:
    """A client on an empty database."""
    bind(database)
    empty_tables(database)
    return falcon.testing.TestClient(app)


@pytest.fixture
def client_with(database_url, database):
    """Build clients for settings overridden by environment variables, all on one emptied database.

    Several clients of one test share the database, as workers and hosts do.
    """
    bind(database)
    empty_tables(database)

    def build(**env) -> falcon.testing.TestClient:
        return falcon.testing.TestClient(create_app(make_settings(database_url, **env), database))

    return build


@pytest.fixture
def frozen_clock():
    """The service's clock stopped at FROZEN_AT for one test, so what it renders is exact."""
    clock.freeze(FROZEN_AT)
    yield clock
    clock.run()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, collecting what it accepts."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()
