"""When a transaction fails and its rollback fails too, the first failure is the one reported.

SQLite undoes a transaction by itself on a full disk; PostgreSQL loses it with
the connection. peewee's ROLLBACK then fails as well, and used to replace the
real error ("cannot rollback - no transaction is active").
"""

import logging

import falcon.testing
import peewee
import psycopg2
import pytest

from service.app import create_app
from service.auth import accounts
from service.db.connection import bind, migrate, open_database
from service.db.models import User, db
from tests.support.databases import drop_postgres_database, fresh_postgres_database
from tests.support.inprocess import CHEAP, assert_envelope, random_email
from tests.support.settings import POSTGRES_TEST_DB, make_settings

FULL = "database or disk is full"


@pytest.fixture
def full_sqlite(tmp_path):
    """A migrated SQLite database whose connection may not grow the file any more: a full disk.

    SQLite's max_page_count makes it answer SQLITE_FULL exactly as a full disk does.
    """
    previous = db.obj
    database = bind(open_database(f"sqlite:///{tmp_path / 'full.db'}"))
    migrate(database)
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")
    failures = 0
    while failures < 20:  # fill every page, until rows of a user's size no longer fit
        try:
            User.create(email=random_email(), password_hash="x" * 100)
        except peewee.OperationalError:
            failures += 1
    yield database
    database.close()
    if previous is not None:
        bind(previous)


def test_a_transaction_on_a_full_sqlite_disk_raises_the_full_disk(full_sqlite):
    with pytest.raises(peewee.OperationalError, match=FULL):
        with full_sqlite.atomic():
            User.create(email=random_email(), password_hash="x" * 100)


def test_a_savepoint_on_a_full_sqlite_disk_raises_the_full_disk(full_sqlite):
    with pytest.raises(peewee.OperationalError, match=FULL):
        with full_sqlite.atomic(), full_sqlite.atomic():
            User.create(email=random_email(), password_hash="x" * 100)


def test_register_on_a_full_disk_answers_503_and_logs_the_full_disk(full_sqlite, caplog):
    app = create_app(make_settings(f"sqlite:///{full_sqlite.database}"), full_sqlite)
    with caplog.at_level(logging.WARNING):
        response = falcon.testing.TestClient(app).simulate_post(
            "/api/v1/auth/register", json={"email": random_email(), "password": "a long passphrase"}
        )
    assert_envelope(response, 503)
    assert FULL in caplog.text
    assert "Traceback" not in response.text


@pytest.fixture
def postgres():
    previous = db.obj
    url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_rollback")
    database = bind(open_database(url))
    migrate(database)
    yield url, database
    database.close()
    drop_postgres_database(url)
    if previous is not None:
        bind(previous)


def test_a_connection_lost_mid_transaction_raises_the_loss_not_the_failed_rollback(postgres):
    url, database = postgres
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        # psycopg2 says the server closed the connection; psycopg 3 passes on the server's last word
        lost = "server closed the connection|terminating connection due to administrator command"
        with pytest.raises(peewee.OperationalError, match=lost):
            with database.atomic():
                accounts.register(random_email(), "a long passphrase", CHEAP)
                pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
                admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
                User.select().count()
    finally:
        admin.close()


def test_a_rollback_without_an_error_on_its_way_out_still_raises(full_sqlite):
    full_sqlite.connect(reuse_if_open=True)
    with pytest.raises(peewee.OperationalError, match="no transaction is active"):
        full_sqlite.rollback()
