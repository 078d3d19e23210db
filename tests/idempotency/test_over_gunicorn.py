"""Idempotency-Key under real concurrency: one key sent 20 times at once over gunicorn's workers."""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from service.auth import accounts
from service.db.connection import bind
from service.db.models import Widget
from service.idempotency import keys
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve
from tests.support.inprocess import CHEAP, PASSWORD
from tests.support.twins import assert_one_answer_or_in_progress, raw_request, sent_at_once
from tests.support.widgets import WIDGETS, widget_body

pytestmark = pytest.mark.server

TWINS = 20
ADMIN_EMAIL = "keyed-admin@example.com"


@pytest.fixture
def server(database_url, database):
    bind(database)
    empty_tables(database)
    running = serve(database_url, workers=4)
    yield running
    running.stop()


def log_in(url: str) -> dict:
    response = requests.post(
        url + "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}, timeout=10
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def admin(server) -> dict:
    accounts.register(ADMIN_EMAIL, PASSWORD, CHEAP, admin=True)
    return log_in(server.url)


def test_twenty_twins_at_once_make_one_widget_and_one_answer(server, admin):
    key = str(uuid.uuid4())
    request = raw_request(server.port, {**admin, "Idempotency-Key": key},
                          json.dumps(widget_body("twin")).encode())
    answers = sent_at_once([(server.port, request)] * TWINS)
    assert_one_answer_or_in_progress(answers)
    assert [w.name for w in Widget.select()] == ["twin"]
    retry = requests.post(server.url + WIDGETS, json=widget_body("twin"),
                          headers={**admin, "Idempotency-Key": key}, timeout=10)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"


def test_a_twin_of_a_request_in_progress_gets_409_then_the_answer(server, admin, database_url):
    """The first request waits on a rival's uncommitted row; its twin is told to come back."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: a twin waits for the first request, then gets its answer")
    rival = psycopg2.connect(database_url)
    headers = {**admin, "Idempotency-Key": "in-progress"}
    try:
        with rival.cursor() as cur:
            cur.execute(
                "INSERT INTO widgets (name, info_url, created_at, deadline, owner_id)"
                " SELECT 'rival', 'https://example.com/r', now(), now(), id FROM users"
            )
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(requests.post, server.url + WIDGETS, json=widget_body("rival"),
                                headers=headers, timeout=30)
            wait_for_a_session_waiting_on_a_lock(database_url)
            twin = requests.post(server.url + WIDGETS, json=widget_body("rival"), headers=headers,
                                 timeout=10)
            assert twin.status_code == 409 and twin.headers["Retry-After"] == "1"
            assert twin.json()["message"] == keys.IN_FLIGHT
            rival.rollback()
            answer = first.result()
    finally:
        rival.close()
    assert answer.status_code == 201
    retry = requests.post(server.url + WIDGETS, json=widget_body("rival"), headers=headers, timeout=10)
    assert (retry.status_code, retry.content) == (201, answer.content)
    assert retry.headers["Idempotent-Replayed"] == "true"


def wait_for_a_session_waiting_on_a_lock(database_url: str, seconds: float = 20) -> None:
    """Poll outside any transaction: inside one, pg_stat_activity keeps its first snapshot."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    deadline = time.monotonic() + seconds
    try:
        with conn.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'widget-api'"
                    " AND datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cur.fetchone()[0]:
                    return
                time.sleep(0.05)
    finally:
        conn.close()
    raise AssertionError("no request of the service waited on a lock")
