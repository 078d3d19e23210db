"""Auth state the database cannot record refuses the request (503), never skips the record.

The database is made read-only for real: SQLite opened with `mode=ro`,
PostgreSQL sessions with `default_transaction_read_only`. Accounts are made
first through a writable app on the same database. Writes that follow a
verified password (clearing counters, storing a rehash) are housekeeping: when
a trigger makes them fail, the login still succeeds, as a different answer
would tell a guesser the password was right.
"""

from urllib.parse import urlparse

import argon2
import falcon.testing
import peewee
import pytest

from service.app import create_app
from service.auth import accounts
from service.auth.passwords import Passwords
from service.auth.throttle import Limit, Throttle
from service.db.connection import UNAVAILABLE, open_database
from service.errors import ServiceUnavailable
from tests.auth.test_login import CountingHasher
from tests.support.inprocess import PASSWORD, assert_envelope, login, register
from tests.support.settings import make_settings

READ_ONLY_OPTIONS = "options=-c%20default_transaction_read_only%3Don"


def open_read_only(database_url: str) -> peewee.Database:
    if database_url.startswith("sqlite"):
        path = "/" + urlparse(database_url).path.lstrip("/")
        return peewee.SqliteDatabase(f"file:{path}?mode=ro", uri=True)
    return open_database(f"{database_url}?{READ_ONLY_OPTIONS}")


@pytest.fixture
def read_only(client_with, database_url):
    """Register user@example.com, then build clients whose database refuses every write."""
    register(client_with(), "user@example.com")
    opened = []

    def build(**env) -> falcon.testing.TestClient:
        opened.append(open_read_only(database_url))
        return falcon.testing.TestClient(create_app(make_settings(database_url, **env), opened[-1]))

    yield build
    for database in opened:
        database.close()


def assert_unavailable(response) -> None:
    assert_envelope(response, 503)
    assert int(response.headers["Retry-After"]) >= 1


# OWASP ASVS 2.2.1 and NIST SP 800-63B §5.2.2: a guess that cannot be counted is not verified.
@pytest.mark.parametrize("password", ["wrong password!", PASSWORD])
def test_login_answers_503_when_its_attempt_cannot_be_counted(read_only, password):
    assert_unavailable(login(read_only(), "user@example.com", password))


def test_no_password_is_verified_when_its_attempt_cannot_be_counted(read_only):
    passwords = Passwords(CountingHasher(time_cost=1, memory_cost=8, parallelism=1))
    read_only()  # the models now use the read-only database
    before = CountingHasher.verifications
    with pytest.raises((ServiceUnavailable, *UNAVAILABLE)):
        accounts.log_in(
            "user@example.com", PASSWORD, passwords, Throttle(Limit(5, 900), None), "192.0.2.1"
        )
    assert CountingHasher.verifications == before


def test_login_answers_503_when_the_address_limit_cannot_count(read_only):
    client = read_only(AUTH_RATE_LIMIT="30/60")
    assert_unavailable(login(client, "user@example.com", "wrong password!"))


def test_register_answers_503_when_the_user_cannot_be_stored(read_only):
    assert_unavailable(register(read_only()))


# RFC 7009 §2.2: a logout the service cannot record is not reported as done.
def test_logout_answers_503_when_the_revocation_cannot_be_recorded(read_only, client_with):
    token = login(client_with(), "user@example.com").json["access_token"]
    client = read_only()
    bearer = {"Authorization": f"Bearer {token}"}
    assert_unavailable(client.simulate_post("/api/v1/auth/logout", headers=bearer))
    assert client.simulate_get("/api/v1/auth/user", headers=bearer).status_code == 200


def refuse_writes(database, table: str, operation: str):
    """Make the database itself refuse `operation` on `table`, with a trigger; return its removal."""
    if isinstance(database, peewee.SqliteDatabase):
        database.execute_sql(
            f'CREATE TRIGGER refuse BEFORE {operation} ON "{table}" '
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        return lambda: database.execute_sql("DROP TRIGGER refuse")
    database.execute_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
    )
    database.execute_sql(
        f'CREATE TRIGGER refuse BEFORE {operation} ON "{table}" FOR EACH ROW EXECUTE FUNCTION refuse()'
    )
    return lambda: database.execute_sql("DROP FUNCTION refuse() CASCADE")


@pytest.fixture
def refusing(database):
    removals = []
    yield lambda table, operation: removals.append(refuse_writes(database, table, operation))
    for remove in removals:
        remove()


def test_right_password_logs_in_when_its_counters_cannot_be_cleared(client_with, refusing):
    client = client_with()
    register(client, "user@example.com")
    assert login(client, "user@example.com", "wrong password!").status_code == 401
    refusing("auth_throttles", "DELETE")
    assert login(client, "user@example.com").status_code == 200


def test_right_password_logs_in_when_its_rehash_cannot_be_stored(client_with, refusing):
    client = client_with()
    older = Passwords(argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    accounts.register("user@example.com", PASSWORD, older)
    refusing("users", "UPDATE")
    assert login(client, "user@example.com").status_code == 200
