"""A pooler that loses prepared statements, or a missing grant, is reported as what it is."""

import peewee
import pytest
import requests

from service.db.connection import open_database, pending_migrations
from tests.support.databases import drop_postgres_database, postgres_database
from tests.support.gunicorn import serve_unlimited
from tests.support.pgbouncer import PgBouncer


@pytest.fixture(scope="module")
def migrated_url():
    url = postgres_database("pooler")
    yield url
    drop_postgres_database(url)


def test_prepared_statements_behind_pgbouncer_are_never_called_pending_migrations(migrated_url):
    pooler = PgBouncer(migrated_url)
    server = None
    try:
        server = serve_unlimited(pooler.url_for(migrated_url), workers=2,
                                 DATABASE_PREPARED_STATEMENTS="on")
        answers = [requests.get(f"{server.url}/ready", timeout=30) for _ in range(80)]
    finally:
        if server:
            server.stop()
        pooler.stop()
    messages = [answer.json().get("message", "") for answer in answers]
    assert not [m for m in messages if "migration" in m], messages
    assert {answer.status_code for answer in answers} <= {200, 503}


def test_a_role_without_select_on_the_history_gets_the_real_error(migrated_url):
    admin = open_database(migrated_url)
    admin.execute_sql("DROP ROLE IF EXISTS widget_reader_nogrant")
    admin.execute_sql("CREATE ROLE widget_reader_nogrant LOGIN")
    try:
        limited = open_database(migrated_url.replace("://postgres@", "://widget_reader_nogrant@", 1))
        with pytest.raises(peewee.ProgrammingError, match="permission denied"):
            pending_migrations(limited)
        limited.close()
    finally:
        admin.execute_sql("DROP ROLE IF EXISTS widget_reader_nogrant")
        admin.close()
