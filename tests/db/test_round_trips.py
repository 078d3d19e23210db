"""Each request waits for PostgreSQL as few times as its work allows, counted on the wire.

A round trip costs both processes CPU time (about 0.25-0.3 ms on a 2-core host,
client and server together), more than the Python of a request: the limits
below are the ones the service is designed to: the token check is one
statement, a widget or a page one more (the page and its count in one
statement, so one snapshot), a create one more (a single INSERT, atomic
without BEGIN and COMMIT around it). Login, register, refresh and a password change
each wait at most 4 times, with the per-address limit on as it ships: the
counters in one statement, the user in one, the session in one, and giving the
reservation back in one. Counted in the steady state: a statement
psycopg 3 prepares costs one more round trip, once per connection.
"""

import uuid
from urllib.parse import urlparse

import falcon.testing
import pytest

from service.app import create_app
from service.auth import accounts
from service.db.connection import PREPARE_THRESHOLD, open_database
from service.db.models import db
from tests.support.databases import drop_postgres_database, postgres_database
from tests.support.inprocess import CHEAP, PASSWORD, bearer, login, register
from tests.support.settings import make_settings
from tests.support.widgets import WIDGETS, widget_body
from tests.support.wire import RoundTripCounter, url_through


@pytest.fixture(scope="module", params=[True, False], ids=["prepared", "unprepared"])
def counted(request):
    """An app whose PostgreSQL connection runs through a round-trip counter, and an admin's headers.

    Both ways DATABASE_PREPARED_STATEMENTS connects: psycopg 3 preparing, psycopg2 not.
    """
    url = postgres_database("round_trips")
    server = urlparse(url)
    counter = RoundTripCounter(server.hostname, server.port or 5432)
    previous = db.obj
    database = open_database(url_through(url, counter.address), prepared=request.param)
    client = falcon.testing.TestClient(create_app(make_settings(url), database))
    accounts.register("admin@example.com", PASSWORD, CHEAP, admin=True)
    admin = bearer(login(client, "admin@example.com").json["access_token"])
    for name in ("first", "second", "third"):
        assert client.simulate_post(WIDGETS, json=widget_body(name), headers=admin).status_code == 201
    yield counter, client, admin
    database.close()
    counter.close()
    if previous is not None:
        db.initialize(previous)
    drop_postgres_database(url)


def new_widget() -> dict:
    return widget_body(f"w-{uuid.uuid4().hex[:12]}")


REQUESTS = [  # (what, method, path, body, status, most round trips)
    ("current user", "GET", "/api/v1/auth/user", None, 200, 1),
    ("get one", "GET", f"{WIDGETS}/second", None, 200, 2),
    ("list", "GET", WIDGETS, None, 200, 2),
    ("list past the end", "GET", f"{WIDGETS}?page=9", None, 200, 2),
    ("create", "POST", WIDGETS, new_widget, 201, 3),
    ("update", "PUT", f"{WIDGETS}/first", lambda: {"info_url": "https://example.com/2",
                                                   "deadline": "12/31/2031"}, 200, 2),
    ("delete", "DELETE", f"{WIDGETS}/gone", None, 404, 2),
]


@pytest.mark.parametrize(
    "method, path, body, status, most", [r[1:] for r in REQUESTS], ids=[r[0] for r in REQUESTS]
)
def test_a_request_waits_for_postgresql_no_more_than_its_limit(counted, method, path, body, status, most):
    counter, client, admin = counted
    path, _, query = path.partition("?")
    for _ in range(PREPARE_THRESHOLD + 1):  # warm: psycopg 3 prepares a statement once, on its 5th run
        client.simulate_request(method, path, query_string=query, json=body and body(), headers=admin)
    counter.reset()
    response = client.simulate_request(
        method, path, query_string=query, json=body() if body else None, headers=admin
    )
    assert response.status_code == status, response.text
    assert counter.round_trips <= most, counter.statements


class AuthCalls:
    """The auth operations, each callable again and again: every call spends what the last one got."""

    def __init__(self, client):
        self.client = client
        accounts.register("login@example.com", PASSWORD, CHEAP)
        first = login(client, "login@example.com").json
        self.refresh_token = first["refresh_token"]
        accounts.register("change@example.com", PASSWORD, CHEAP)
        self.change_token = login(client, "change@example.com").json["access_token"]

    def login(self):
        return login(self.client, "login@example.com")

    def register(self):
        return register(self.client)

    def refresh(self):
        response = self.client.simulate_post(
            "/api/v1/auth/refresh", json={"refresh_token": self.refresh_token}
        )
        self.refresh_token = response.json.get("refresh_token", self.refresh_token)
        return response

    def change_password(self):
        response = self.client.simulate_put(
            "/api/v1/auth/password", headers=bearer(self.change_token),
            json={"current_password": PASSWORD, "new_password": PASSWORD},
        )
        self.change_token = response.json.get("access_token", self.change_token)
        return response


@pytest.fixture(scope="module", params=[True, False], ids=["prepared", "unprepared"])
def auth_counted(request):
    """The auth operations on a counted connection, with the per-address limit on, as it ships."""
    url = postgres_database("auth_round_trips")
    server = urlparse(url)
    counter = RoundTripCounter(server.hostname, server.port or 5432)
    previous = db.obj
    database = open_database(url_through(url, counter.address), prepared=request.param)
    settings = make_settings(url, AUTH_RATE_LIMIT="100000/60")
    client = falcon.testing.TestClient(create_app(settings, database))
    yield counter, AuthCalls(client)
    database.close()
    counter.close()
    if previous is not None:
        db.initialize(previous)
    drop_postgres_database(url)


AUTH_REQUESTS = [("login", 200), ("register", 201), ("refresh", 200), ("change_password", 200)]
# Login: the throttle's reservation, the user, the session's statements, and COMMIT once their
# results are read (a worker killed while one waits for a lock must leave nothing:
# tests/faults/test_worker_lifecycle.py), the throttle's release sent with it.
AUTH_MOST = 4


@pytest.mark.parametrize("operation, status", AUTH_REQUESTS, ids=[r[0] for r in AUTH_REQUESTS])
def test_an_auth_operation_waits_for_postgresql_at_most_4_times(auth_counted, operation, status):
    counter, calls = auth_counted
    call = getattr(calls, operation)
    for _ in range(PREPARE_THRESHOLD + 1):  # warm, as above
        assert call().status_code == status
    counter.reset()
    response = call()
    assert response.status_code == status, response.text
    assert counter.round_trips <= AUTH_MOST, (counter.round_trips, counter.statements)


def test_the_counter_sees_every_statement_of_a_transaction(counted):
    counter = counted[0]
    for _ in range(PREPARE_THRESHOLD + 1):  # steady state: BEGIN and COMMIT prepared, if ever
        with db.atomic():
            db.execute_sql("SELECT 1")
    counter.reset()
    with db.atomic():
        db.execute_sql("SELECT 1")
    assert counter.round_trips == 3, counter.statements  # BEGIN, SELECT, COMMIT: the counter misses none
