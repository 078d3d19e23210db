"""Fixtures shared by every suite: one database per backend, the app, a client.

Each database-backed test runs once on SQLite and once on PostgreSQL. The
database TEST_POSTGRES_URL names is created when missing, if the server allows;
the PostgreSQL run is skipped, saying what is missing, when no server answers
there or the database cannot be had. With REQUIRE_POSTGRES=1 (as in CI) it fails
instead.
"""

import os
import sys

import falcon.testing
import psycopg2
import pytest
from psycopg2 import sql

from service.app import create_app
from service.db.connection import bind, migrate, open_database
from service.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_TEST_DB = os.environ.get("TEST_POSTGRES_DB", "widget_api_test")
TEST_SECRET = "test-secret-key-of-at-least-thirty-two-bytes"


def make_settings(database_url: str, **overrides) -> Settings:
    """Testing-profile settings; tokens live long enough not to expire mid-test."""
    environ = {
        "APP_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "TOKEN_EXPIRE_SECONDS": "300",
        "AUTH_RATE_LIMIT": "0",  # the suite registers and logs in from one address; tests/security limits it
    }
    environ.update(overrides)
    return Settings.from_env(environ)


class PostgresUnavailable(Exception):
    """The PostgreSQL tests cannot run; the message says what is missing."""


def postgres_admin_connection():
    """Connect to TEST_POSTGRES_URL, first creating its database when the server lets us."""
    try:
        return psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as failure:
        refused = " ".join(str(failure).split())
    try:  # the server may answer without that database: ask its maintenance database
        server = psycopg2.connect(POSTGRES_ADMIN_URL, dbname="postgres", connect_timeout=3)
    except psycopg2.OperationalError:
        raise PostgresUnavailable(
            f"cannot connect to PostgreSQL at {POSTGRES_ADMIN_URL}: {refused}"
        ) from None
    try:
        _create_missing_database(server, refused)
    finally:
        server.close()
    return psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)


def _create_missing_database(server, refused: str) -> None:
    name = psycopg2.extensions.parse_dsn(POSTGRES_ADMIN_URL)["dbname"]
    server.autocommit = True
    try:
        with server.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                raise PostgresUnavailable(f"PostgreSQL refuses {POSTGRES_ADMIN_URL}: {refused}")
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg2.Error as denied:
        raise PostgresUnavailable(
            f"PostgreSQL answers at {POSTGRES_ADMIN_URL} but has no database {name!r}, "
            f"and creating it failed: {' '.join(str(denied).split())}"
        ) from None
    print(f"created the PostgreSQL database {name!r} the tests connect to", file=sys.stderr)


def report_postgres() -> int:
    """Say whether the PostgreSQL tests can run (for scripts/prerequisites); 0 when they can."""
    try:
        postgres_admin_connection().close()
    except PostgresUnavailable as missing:
        print(f"prerequisites: postgresql: {missing}; the PostgreSQL tests will skip "
              "(or fail, with REQUIRE_POSTGRES=1)", file=sys.stderr)
        return 1
    print(f"prerequisites: postgresql: {POSTGRES_ADMIN_URL} answers", file=sys.stderr)
    return 0


def fresh_postgres_database(name: str) -> str:
    """Drop and create database `name` on the test server; return its URL, or skip."""
    try:
        conn = postgres_admin_connection()
    except PostgresUnavailable as missing:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


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


def empty_tables(database) -> None:
    """Delete every row, children first, leaving the schema and migration history."""
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    with database.atomic():
        for table in _children_first(database, tables):
            database.execute_sql(f'DELETE FROM "{table}"')


def _children_first(database, tables: list) -> list:
    referenced = {fk.dest_table for t in tables for fk in database.get_foreign_keys(t)}
    return [t for t in tables if t not in referenced] + [t for t in tables if t in referenced]
