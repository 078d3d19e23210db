"""Workers die and stop without losing what they committed or leaving half of what they did not.

A request is held mid-transaction, without any endpoint made for tests: the
test inserts the same email in a transaction of its own and keeps it open, so
the worker's INSERT for that email waits on the unique index inside its
transaction until the test rolls back.
"""

import os
import signal
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg2
import pytest
import requests

from tests.support.inprocess import bearer, random_email
from tests.support.over_http import TIMEOUT, admin_token, http, register
from tests.support.widgets import widget_body

pytestmark = pytest.mark.server


@contextmanager
def email_held(database_url: str, email: str):
    """Keep an uncommitted row with `email`, so a worker registering it waits; roll it back on exit."""
    holder = psycopg2.connect(database_url, connect_timeout=3)
    try:
        with holder.cursor() as cur:
            cur.execute(
                "INSERT INTO users (public_id, email, password_hash, admin, registered_on)"
                " VALUES (%s, %s, 'held', false, now())",
                (str(uuid.uuid4()), email),
            )
        yield holder
    finally:
        holder.rollback()
        holder.close()


def in_background(call) -> dict:
    """Run `call` in a thread; the returned dict gets its `response` or `error`, and `thread`."""
    outcome: dict = {}

    def run():
        try:
            outcome["response"] = call()
        except requests.RequestException as error:
            outcome["error"] = error

    outcome["thread"] = threading.Thread(target=run, daemon=True)
    outcome["thread"].start()
    return outcome


def poll_activity(database_url: str, query: str, params, done, seconds: float):
    """Run `query` on a watcher connection until `done(rows)`; return the rows, None on timeout."""
    watcher = psycopg2.connect(database_url, connect_timeout=3)
    watcher.autocommit = True
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with watcher.cursor() as cur:
                cur.execute(query, params)
                found = cur.fetchall()
            if done(found):
                return found
            time.sleep(0.05)
    finally:
        watcher.close()
    return None


def service_backends_waiting_on_locks(
    database_url: str, count: int, seconds: float = TIMEOUT
) -> list:
    """Wait until `count` of the service's sessions wait on a lock; return their backend pids."""
    found = poll_activity(
        database_url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'widget-api'"
        " AND datname = current_database() AND wait_event_type = 'Lock'",
        (),
        lambda found: len(found) >= count,
        seconds,
    )
    if found is None:
        raise AssertionError(f"{count} request(s) never reached the database")
    return [pid for (pid,) in found]


def wait_for_backends_to_end(database_url: str, pids: list, seconds: float = TIMEOUT) -> None:
    found = poll_activity(
        database_url,
        "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
        (pids,),
        lambda found: found[0][0] == 0,
        seconds,
    )
    if found is None:
        raise AssertionError(f"database sessions {pids} outlived their worker")


def rows(database_url: str, query: str, *params) -> list:
    conn = psycopg2.connect(database_url, connect_timeout=3)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        conn.close()


def test_a_worker_killed_mid_transaction_leaves_no_row_and_loses_no_committed_data(
    direct, faults_database_url
):
    service = direct(workers=1)
    committed_email = random_email()
    assert register(service.url, committed_email).status_code == 201
    token = admin_token(faults_database_url, service.url)
    created = http().post(
        service.url + "/api/v1/widgets",
        json=widget_body("kept"),
        headers=bearer(token),
        timeout=TIMEOUT,
    )
    assert created.status_code == 201
    victim = random_email()
    (worker,) = service.worker_pids()
    with email_held(faults_database_url, victim):
        request = in_background(lambda: register(service.url, victim))
        backends = service_backends_waiting_on_locks(faults_database_url, 1)
        os.kill(worker, signal.SIGKILL)
        request["thread"].join(TIMEOUT)
        assert "error" in request  # the client lost its connection: no answer, no 500
    wait_for_backends_to_end(faults_database_url, backends)
    assert rows(faults_database_url, "SELECT count(*) FROM users WHERE email = %s", victim) == [
        (0,)
    ]
    assert rows(
        faults_database_url, "SELECT count(*) FROM users WHERE email = %s", committed_email
    ) == [(1,)]
    assert rows(faults_database_url, "SELECT name FROM widgets") == [("kept",)]
    assert service.wait_for_workers(1) != {worker}
    assert register(service.url, victim).status_code == 201


def test_sigterm_lets_in_flight_requests_finish_before_exit(direct, faults_database_url):
    service = direct(workers=2)
    emails = [random_email(), random_email()]
    with email_held(faults_database_url, emails[0]), email_held(faults_database_url, emails[1]):
        requests_in_flight = []
        for count, email in enumerate(emails, start=1):
            requests_in_flight.append(
                in_background(lambda email=email: register(service.url, email))
            )
            service_backends_waiting_on_locks(faults_database_url, count)  # one per worker
        service.terminate()
        time.sleep(1)
        assert service.process.poll() is None  # still draining
        assert not any("response" in r or "error" in r for r in requests_in_flight)
    for request in requests_in_flight:
        request["thread"].join(TIMEOUT)
    assert [r["response"].status_code for r in requests_in_flight] == [201, 201]
    assert service.process.wait(TIMEOUT) == 0
    for email in emails:
        assert rows(faults_database_url, "SELECT count(*) FROM users WHERE email = %s", email) == [
            (1,)
        ]
