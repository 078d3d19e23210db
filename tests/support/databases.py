"""Databases for tests: fresh PostgreSQL ones, emptied tables, models bound elsewhere."""

import os
import sys
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions
import pytest
from psycopg2 import sql

from service.db.connection import bind, migrate, open_database
from service.db.models import db
from tests.support.settings import POSTGRES_ADMIN_URL, POSTGRES_TEST_DB


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


def postgres_database(suffix: str) -> str:
    """A fresh, migrated PostgreSQL database for one suite; its URL (or the suite is skipped)."""
    url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_{suffix}")
    database = open_database(url)
    migrate(database)
    database.close()
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a suite's database through the server's `postgres` database."""
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


def empty_tables(database) -> None:
    """Delete every row, children first, leaving the schema, the migration history and the
    widget total (its triggers bring it to zero with the widgets)."""
    tables = [t for t in database.get_tables() if t not in ("schema_migration", "widget_total")]
    with database.atomic():
        for table in _children_first(database, tables):
            database.execute_sql(f'DELETE FROM "{table}"')


def _children_first(database, tables: list) -> list:
    referenced = {fk.dest_table for t in tables for fk in database.get_foreign_keys(t)}
    return [t for t in tables if t not in referenced] + [t for t in tables if t in referenced]


@contextmanager
def models_bound_to(database_url: str):
    """Run model code on another database, then give the models back their own."""
    previous = db.obj
    database = bind(open_database(database_url))
    try:
        yield database
    finally:
        database.close()
        if previous is not None:
            bind(previous)
