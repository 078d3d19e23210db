"""The PostgreSQL half of the suite says what is missing, and creates its database when it may."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from tests.support.databases import fresh_postgres_database
from tests.support.settings import POSTGRES_ADMIN_URL, POSTGRES_TEST_DB

ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
ABSENT = f"{POSTGRES_TEST_DB}_absent"
NO_CREATEDB_ROLE = f"{POSTGRES_TEST_DB}_no_createdb"
PASSWORD = "no-createdb-role-password"


@pytest.fixture
def server():
    """An autocommit connection to the test server (the suite's usual skip when none answers)."""
    fresh_postgres_database(f"{POSTGRES_TEST_DB}_probe")
    conn = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
    conn.autocommit = True
    yield conn
    with conn.cursor() as cur:
        for name in (ABSENT, f"{POSTGRES_TEST_DB}_probe", f"{POSTGRES_TEST_DB}_inner"):
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(NO_CREATEDB_ROLE)))
    conn.close()


def prepare_database_with(admin_url: str) -> subprocess.CompletedProcess:
    """Ask the fixtures' code for a test database, as a fresh session with TEST_POSTGRES_URL set."""
    script = (
        "from tests.support import databases\n"
        "try:\n"
        f"    print(databases.fresh_postgres_database({POSTGRES_TEST_DB + '_inner'!r}))\n"
        "except BaseException as refused:\n"
        "    print(type(refused).__name__, refused)\n"
    )
    env = {**os.environ, "TEST_POSTGRES_URL": admin_url}
    env.pop("REQUIRE_POSTGRES", None)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_missing_admin_database_is_created_when_the_server_allows_it(server):
    with server.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(ABSENT)))
    done = prepare_database_with(f"{SERVER_URL}/{ABSENT}")
    assert done.stdout.strip().endswith(f"/{POSTGRES_TEST_DB}_inner"), done.stdout + done.stderr
    with server.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (ABSENT,))
        assert cur.fetchone() == (1,)


def test_skip_names_the_missing_database_when_it_cannot_be_created(server):
    with server.cursor() as cur:
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(NO_CREATEDB_ROLE)))
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB PASSWORD %s").format(
            sql.Identifier(NO_CREATEDB_ROLE)), (PASSWORD,))
    where = psycopg2.extensions.parse_dsn(POSTGRES_ADMIN_URL)
    user_url = (f"postgresql://{NO_CREATEDB_ROLE}:{PASSWORD}@{where.get('host', '127.0.0.1')}:"
                f"{where.get('port', 5432)}/{ABSENT}")
    done = prepare_database_with(user_url)
    assert done.stdout.startswith("Skipped"), done.stdout + done.stderr
    assert f"has no database '{ABSENT}'" in done.stdout
    assert "creating it failed" in done.stdout
    assert "no PostgreSQL answers" not in done.stdout
