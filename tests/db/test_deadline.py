"""A call to PostgreSQL waiting past its deadline is cut on the client side, and only such a call.

Over real gunicorn and PgBouncer: tests/faults/test_behind_pgbouncer.py.
"""

import time

import peewee
import pytest

from service.db.connection import WAIT_SECONDS, open_database
from service.db.deadline import Deadline

SHORT = 0.5


@pytest.fixture(params=[True, False], ids=["psycopg", "psycopg2"])
def short(request, module_postgres):
    """A request's database whose calls may wait SHORT seconds."""
    database = open_database(module_postgres, prepared=request.param)
    database.deadline = Deadline(SHORT)
    yield database
    database.close()


def test_a_call_waiting_past_its_deadline_fails_as_a_lost_connection(short):
    started = time.monotonic()
    with pytest.raises((peewee.OperationalError, peewee.InterfaceError)):
        short.execute_sql("SELECT pg_sleep(3)")  # within the server's statement_timeout
    assert time.monotonic() - started < 2
    short.close()
    assert short.execute_sql("SELECT 1").fetchone() == (1,)  # a new connection serves


def test_calls_within_their_deadline_are_left_alone(short):
    for _ in range(3):
        assert short.execute_sql("SELECT pg_sleep(0.2), 1").fetchone()[1] == 1
    time.sleep(SHORT * 2)  # the watchdog had time to act on anything left registered
    assert short.execute_sql("SELECT 2").fetchone() == (2,)


def test_maintenance_commands_have_no_deadline_and_requests_the_service_wide_one(module_postgres):
    assert open_database(module_postgres, maintenance=True).deadline is None
    assert open_database(module_postgres).deadline.seconds == WAIT_SECONDS
