"""Reset, resend and mandatory register tell nothing of whether an address exists:
not by status, body or headers, not by the statements they run, not by their time."""

import logging
import re
import statistics
import time

import falcon.testing
import pytest

from service.app import create_app
from service.db.connection import bind
from tests.support.databases import empty_tables
from tests.support.inprocess import random_email, register
from tests.support.settings import make_settings

ROUNDS = 150


@pytest.fixture
def mandatory(database_url, database):
    bind(database)
    empty_tables(database)
    return falcon.testing.TestClient(
        create_app(make_settings(database_url, EMAIL_VERIFICATION="mandatory"), database)
    )


def reset(client, email):
    return client.simulate_post("/api/v1/auth/password/reset", json={"email": email})


def resend(client, email):
    return client.simulate_post("/api/v1/auth/email/verify/resend", json={"email": email})


def statements(caplog, call) -> list:
    """The SQL statements `call` sends, without their parameters."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        call()
    return [  # savepoints are named at random: their names are not part of the work
        re.sub(r'"s[0-9a-f]{32}"', '"savepoint"', record.msg[0])
        for record in caplog.records if record.name == "peewee"
    ]


def same_answer(a, b) -> None:
    assert a.status_code == b.status_code and a.content == b.content
    names = {*a.headers, *b.headers} - {"x-request-id"}
    assert {n for n in names if a.headers.get(n) != b.headers.get(n)} == set()


@pytest.mark.parametrize("operation", [reset, resend])
def test_answer_and_statements_are_the_same_for_a_known_and_an_unknown_address(client, caplog, operation):
    known = random_email()
    register(client, known)
    answers = {}
    known_sql = statements(caplog, lambda: answers.setdefault("known", operation(client, known)))
    unknown_sql = statements(caplog, lambda: answers.setdefault("unknown", operation(client, random_email())))
    same_answer(answers["known"], answers["unknown"])
    assert known_sql and known_sql == unknown_sql


def test_mandatory_register_runs_the_same_statements_for_a_new_and_a_taken_address(mandatory, caplog):
    taken = random_email()
    register(mandatory, taken)
    answers = {}
    taken_sql = statements(caplog, lambda: answers.setdefault("taken", register(mandatory, taken)))
    new_sql = statements(caplog, lambda: answers.setdefault("new", register(mandatory, random_email())))
    same_answer(answers["taken"], answers["new"])
    assert taken_sql == new_sql


def assert_accepted(response) -> None:
    assert response.status_code == 202


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@pytest.mark.parametrize("operation", [reset, resend])
def test_time_does_not_tell_a_known_address_from_an_unknown_one(client, operation):
    """Interleaved calls, so a noisy neighbour slows both alike; the medians agree within noise.

    Each call asks for another address (one address would soon meet its mail limit).
    """
    known = [random_email() for _ in range(ROUNDS)]
    for email in known:
        register(client, email)
    known_times, unknown_times = [], []
    for email in known:
        known_times.append(timed(lambda email=email: assert_accepted(operation(client, email))))
        unknown_times.append(timed(lambda: assert_accepted(operation(client, random_email()))))
    known_median, unknown_median = statistics.median(known_times), statistics.median(unknown_times)
    spread = statistics.quantiles(known_times + unknown_times, n=4)
    noise = spread[2] - spread[0]  # the interquartile range of all the calls
    print(f"{operation.__name__}: medians {known_median * 1e3:.3f} ms (known) and "
          f"{unknown_median * 1e3:.3f} ms (unknown), interquartile range {noise * 1e3:.3f} ms")
    assert abs(known_median - unknown_median) <= noise
