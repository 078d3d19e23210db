"""Reloads (HUP) and shutdowns (TERM) of gunicorn under load lose nothing, on both databases;
a reload serves the settings read afresh.

Eight clients loop over reads, creates and refreshes while the master is sent
signals. A reload must fail no request at all; a shutdown must answer every
request it accepted, refuse later ones at connect (never cut one after it was
sent), exit 0, and keep every create it acknowledged.
"""

import os
import signal
import time

import pytest
import requests

from service.auth import accounts
from service.db.connection import bind
from service.db.models import Widget
from tests.support.databases import empty_tables
from tests.support.gunicorn import config_with, serve, serve_unlimited
from tests.support.inprocess import CHEAP, PASSWORD, random_email
from tests.support.load import REFUSED, Load

pytestmark = pytest.mark.server

CLIENTS = 8
RELOADS = 5
GRACEFUL_SECONDS = 10
LOAD_SECONDS = 1.0  # of load before, between and after the signals: bounded, as every test here


@pytest.fixture
def server(database_url, database):
    bind(database)
    empty_tables(database)
    running = serve_unlimited(database_url, GUNICORN_GRACEFUL_TIMEOUT=str(GRACEFUL_SECONDS))
    yield running
    running.stop()


def logged_in(server, email: str) -> dict:
    response = requests.post(server.url + "/api/v1/auth/login",
                             json={"email": email, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def load(server):
    """The clients' load on `server`: an administrator's token and a session each to refresh."""
    email = random_email()
    accounts.register(email, PASSWORD, CHEAP, admin=True)
    sessions = [logged_in(server, email) for _ in range(CLIENTS)]
    return Load(server.port, sessions[0]["access_token"], [s["refresh_token"] for s in sessions])


def assert_kept(outcomes) -> None:
    """Every create the clients were told of is in the database."""
    assert outcomes.created
    stored = {w.name for w in Widget.select(Widget.name)}
    assert set(outcomes.created) <= stored


def test_five_reloads_under_load_fail_no_request(server, load):
    with load:
        time.sleep(LOAD_SECONDS)
        for _ in range(RELOADS):
            before = server.worker_pids()
            os.kill(server.master_pid, signal.SIGHUP)
            wait_for_new_workers(server, before)
            time.sleep(LOAD_SECONDS)
    outcomes = load.outcomes
    print(f"HUP x{RELOADS}: {outcomes.requests} requests, failed: {dict(outcomes.failures)}")
    assert outcomes.failed_requests() == 0, outcomes.failures
    assert server.process.poll() is None
    assert_kept(outcomes)


def test_a_shutdown_under_load_answers_what_it_accepted_and_refuses_the_rest(server, load):
    with load:
        time.sleep(LOAD_SECONDS)
        server.terminate()
        status = server.process.wait(GRACEFUL_SECONDS + 10)
        time.sleep(LOAD_SECONDS / 2)  # the clients meet the closed port
    outcomes = load.outcomes
    print(f"TERM: {outcomes.requests} requests, failed: {dict(outcomes.failures)}")
    assert status == 0, server.errors()
    assert outcomes.failed_requests(but=(REFUSED,)) == 0, outcomes.failures
    assert outcomes.failures[REFUSED] > 0  # the clients went on, and were refused at connect
    assert_kept(outcomes)


def wait_for_new_workers(server, before: set, seconds: float = 30) -> None:
    """Wait until the master runs only workers started after `before`, and one of them answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = server.worker_pids()
        if now and not now & before:
            return
        time.sleep(0.05)
    raise AssertionError(f"old workers {before & server.worker_pids()} still run")


# The environment a reload reads: gunicorn sets `raw_env` (its `--env`) again from this file.
ENV_FROM_FILE = "raw_env = open({!r}).read().split()\n"
ORIGIN = "https://app.example"


def allowed_origin(server) -> str | None:
    answer = requests.get(server.url + "/health", headers={"Origin": ORIGIN}, timeout=10)
    return answer.headers.get("Access-Control-Allow-Origin")


def reload(server) -> None:
    before = server.worker_pids()
    os.kill(server.master_pid, signal.SIGHUP)
    wait_for_new_workers(server, before)


def test_a_reload_serves_the_settings_read_afresh_and_keeps_the_app_when_they_are_wrong(
    database_url, database, tmp_path
):
    settings = tmp_path / "settings.env"
    settings.write_text("")
    running = serve(database_url, 2, config_with(tmp_path, ENV_FROM_FILE.format(str(settings))))
    try:
        assert allowed_origin(running) is None
        settings.write_text(f"CORS_ORIGINS={ORIGIN}")
        reload(running)
        assert allowed_origin(running) == ORIGIN
        settings.write_text("CORS_ORIGINS=not-an-origin")
        reload(running)
        assert running.process.poll() is None
        assert allowed_origin(running) == ORIGIN  # the app built before serves on
        assert "error: CORS_ORIGINS" in running.errors()
    finally:
        running.stop()
