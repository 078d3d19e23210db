"""run_together on PostgreSQL, with both drivers: what commits, what is undone, what is sent.

Its statements go in one message after BEGIN and COMMIT follows once their results are
read, so a failure among them undoes them all; statements sent with the commit are undone
alone when they fail, and the rest commits.
"""

import logging

import peewee
import pytest

from service.db.batch import run_together
from service.db.connection import bind, open_database
from service.db.models import AuthThrottle, User, db
from tests.support.databases import empty_tables
from tests.support.inprocess import random_email


@pytest.fixture(params=[True, False], ids=["psycopg", "psycopg2"])
def database(request, module_postgres):
    previous = db.obj
    database = bind(open_database(module_postgres, prepared=request.param))
    empty_tables(database)
    yield database
    database.close()
    if previous is not None:
        bind(previous)


def new_user(email: str):
    return User.insert(email=email, password_hash="x")


def counts(email: str) -> tuple[int, int]:
    return (User.select().where(User.email == email).count(),
            AuthThrottle.select().where(AuthThrottle.key == email).count())


def throttle_row(key: str):
    return AuthThrottle.insert(key=key, hits=1, window_ends_at=peewee.SQL("now()"))


def test_the_statements_commit_together_and_the_connection_is_idle_after(database):
    email = random_email()
    rows = run_together(new_user(email), User.select(User.email).where(User.email == email))
    assert rows == [(email,)]
    assert counts(email) == (1, 0)
    assert not database.in_transaction()


def test_a_failing_statement_undoes_the_ones_before_it(database):
    email = random_email()
    run_together(new_user(email))
    other = random_email()
    with pytest.raises(peewee.IntegrityError):
        run_together(new_user(other), new_user(email))  # the second breaks the unique email
    assert counts(other) == (0, 0)
    assert run_together(User.select(User.email).where(User.email == other)) == []  # usable after


def test_a_statement_sent_with_the_commit_that_fails_is_undone_alone(database, caplog):
    email = random_email()
    run_together(throttle_row(email))
    other = random_email()
    with caplog.at_level(logging.WARNING, logger="service.db.batch"):
        run_together(new_user(other), with_commit=[throttle_row(other), throttle_row(email)])
    assert counts(other) == (1, 0)  # the user commits; both throttle rows went with the savepoint
    assert "undone alone" in caplog.text
    assert run_together(User.select(User.email).where(User.email == other)) == [(other,)]


def test_statements_sent_with_the_commit_commit_with_the_rest(database):
    email = random_email()
    run_together(new_user(email), with_commit=[throttle_row(email)])
    assert counts(email) == (1, 1)


def test_within_a_callers_transaction_the_caller_commits_or_rolls_back(database):
    email = random_email()
    with pytest.raises(RuntimeError), database.atomic():
        run_together(new_user(email), with_commit=[throttle_row(email)])
        assert counts(email) == (1, 1)  # seen inside, not yet committed
        raise RuntimeError("the caller fails")
    assert counts(email) == (0, 0)
