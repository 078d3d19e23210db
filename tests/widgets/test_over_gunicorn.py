"""Widgets under real concurrency: threads over HTTP to gunicorn's workers, on both databases."""

import json
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from service.auth import accounts
from service.clock import utcnow
from service.db.connection import bind
from service.db.models import User, Widget
from tests.support.concurrency import together
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve
from tests.support.inprocess import CHEAP, PASSWORD
from tests.support.widgets import WIDGETS

pytestmark = pytest.mark.server

PUTS = 50
LOCK_WAIT_SECONDS = 20
LIST_READS = 300
ADMIN_EMAIL = "gunicorn-admin@example.com"


@pytest.fixture
def server(database_url, database):
    bind(database)
    empty_tables(database)
    running = serve(database_url, workers=4)
    yield running
    running.stop()


@pytest.fixture
def admin(server) -> dict:
    """Authorization headers of an administrator, logged in over HTTP."""
    accounts.register(ADMIN_EMAIL, PASSWORD, CHEAP, admin=True)
    response = requests.post(
        server.url + "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}, timeout=10
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def fresh_session() -> requests.Session:
    """A client that opens a new connection per request, so gunicorn spreads them over workers."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def sent_at_once(server, method: str, path: str, headers: dict, body: dict, count: int) -> list:
    """Send `count` copies of one request, every one written before any is answered.

    Each copy has a connection of its own, so gunicorn's workers pick them up in
    parallel the moment they are free: the requests race inside the service.
    Returns the status of each answer.
    """
    payload = json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close",
            "Content-Type: application/json", f"Content-Length: {len(payload)}",
            *(f"{name}: {value}" for name, value in headers.items())]
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
    connections = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(count)]
    for connection in connections:
        connection.sendall(request)
    statuses = []
    for connection in connections:
        with connection, connection.makefile("rb") as answer:
            statuses.append(int(answer.readline().split()[1]))
    return statuses


def test_concurrent_puts_of_a_new_name_give_one_201_and_the_rest_200(server, admin):
    body = {"info_url": "https://example.com/race", "deadline": "2030-12-31"}
    statuses = sent_at_once(server, "PUT", f"{WIDGETS}/Race", admin, body, PUTS)
    assert Counter(statuses) == {201: 1, 200: PUTS - 1}
    assert [w.name for w in Widget.select()] == ["race"]


def test_concurrent_puts_with_one_read_etag_give_exactly_one_200_and_the_rest_412(server, admin):
    """The lost update, with every client racing: all read one ETag, one write wins."""
    created = requests.put(
        f"{server.url}{WIDGETS}/contested", json={"info_url": "https://example.com/0", "deadline": "2030-12-31"},
        headers=admin, timeout=10,
    )
    tag = created.headers["ETag"]
    body = {"info_url": "https://example.com/1", "deadline": "2031-01-31"}
    statuses = sent_at_once(server, "PUT", f"{WIDGETS}/contested", {**admin, "If-Match": tag}, body, PUTS)
    assert Counter(statuses) == {200: 1, 412: PUTS - 1}


def test_a_put_racing_an_uncommitted_create_of_its_name_updates_the_widget(
    server, admin, database_url
):
    """Another transaction has inserted the name but not committed: the PUT waits, then updates."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one transaction write at a time: no insert can be left pending")
    rival = psycopg2.connect(database_url)
    try:
        with rival.cursor() as cur:
            cur.execute(
                "INSERT INTO widgets (name, info_url, created_at, deadline, owner_id)"
                " SELECT 'race', 'https://example.com/first', now(), now(), id FROM users"
            )
        with ThreadPoolExecutor(max_workers=1) as pool:
            body = {"info_url": "https://example.com/second", "deadline": "2030-12-31"}
            answer = pool.submit(
                requests.put, f"{server.url}{WIDGETS}/race", json=body, headers=admin, timeout=30
            )
            wait_for_a_service_session_waiting_on_a_lock(database_url)
            rival.commit()
            assert answer.result().status_code == 200
    finally:
        rival.close()
    assert Widget.get().info_url == "https://example.com/second"


def wait_for_a_service_session_waiting_on_a_lock(database_url: str) -> None:
    """Poll outside any transaction: inside one, pg_stat_activity keeps its first snapshot."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
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
    raise AssertionError("the PUT never reached the database")


def test_list_count_and_page_agree_under_concurrent_writes(server, admin):
    """A writer keeps adding a widget and removing it again while readers list them."""
    owner = User.get(User.email == ADMIN_EMAIL)
    reading = threading.Event()
    reading.set()

    def write():
        while reading.is_set():
            Widget.create(name="churn", info_url="https://example.com", owner=owner, deadline=utcnow())
            Widget.delete().where(Widget.name == "churn").execute()

    def read(i):
        http = requests.Session()
        pages = []
        for _ in range(LIST_READS // 10):
            response = http.get(server.url + WIDGETS, params={"per_page": 100}, headers=admin, timeout=30)
            pages.append((response.json(), response.headers["Total-Count"]))
        return pages

    writer = threading.Thread(target=write)
    writer.start()
    try:
        pages = [page for pages in together(10, read) for page in pages]
    finally:
        reading.clear()
        writer.join()
    disagreeing = [
        (body["total_items"], len(body["items"]))
        for body, total_count in pages
        if len(body["items"]) != min(body["total_items"], 100) or total_count != str(body["total_items"])
    ]
    assert disagreeing == []


def test_a_forged_host_over_http_answers_400_without_a_link(server, admin):
    response = requests.get(
        server.url + WIDGETS, headers={**admin, "Host": 'x>; rel="next", <https://evil.example/'}, timeout=10
    )
    assert response.status_code == 400
    assert response.json() == {"status": "fail", "message": "Host header is not a valid host[:port]"}
    assert "Link" not in response.headers
