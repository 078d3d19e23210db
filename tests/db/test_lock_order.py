"""Conflicting writes run at once, round after round: none may deadlock, wait out a lock or fail.

Every write takes its row locks in the order docs/architecture.md gives (users first).
Each test races two account or widget rules on one user for a few seconds, each on
its own connection, as two gunicorn workers would; an answer may be a refusal the
rule means (401, 404, 409), never a database error or a 503.
"""

import threading
import time
from dataclasses import dataclass

import pytest

from service.auth import accounts, sessions
from service.auth.throttle import Limit, Throttle
from service.db.models import User, db
from service.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from service.users import store as users
from service.widgets import store as widgets
from tests.support.databases import empty_tables
from tests.support.inprocess import CHEAP, PASSWORD, random_email

ROUND_SECONDS = 3  # per pair of writes: a deadlock costs PostgreSQL's deadlock_timeout (1 s) to find
LIFETIME = 600
THROTTLE = Throttle(Limit(1000, 900), None)
MEANT = (Unauthorized, NotFound, Conflict)


@dataclass
class Account:
    user: User
    public_id: str
    session_id: str
    refresh_token: str


def account(admin: bool = False) -> Account:
    user = accounts.register(random_email(), PASSWORD, CHEAP, admin=admin)
    started = sessions.start(user, "lock-order", LIFETIME)
    return Account(user, str(user.public_id), started.session_id, started.refresh_token)


def refresh(a: Account):
    sessions.rotate(a.refresh_token, LIFETIME)


def delete(a: Account):
    users.delete(a.public_id)


def log_in(a: Account):
    """As the login handler: counted, then the session starts and the count goes with its commit."""
    reservation = THROTTLE.reserve_login(a.user.email, "127.0.0.1")
    sessions.start(a.user, "lock-order", LIFETIME, THROTTLE.succeed_at_commit(reservation))


def change_password(a: Account):
    try:
        accounts.change_password(a.user, PASSWORD, PASSWORD, CHEAP, THROTTLE, "127.0.0.1",
                                 "lock-order", LIFETIME)
    except ValidationFailed:  # the account is gone: no current password to match
        raise Unauthorized("gone") from None


def end_all(a: Account):
    sessions.end_all(a.user)


def end_own(a: Account):
    sessions.end_own(a.user, a.session_id)


def log_out(a: Account):
    sessions.end(a.session_id)


def promote(a: Account):
    users.set_admin(a.public_id, True)


def demote(a: Account):
    users.set_admin(a.public_id, False)


def put_widget(a: Account):
    widgets.put(f"w-{a.public_id[:8]}", "https://example.com", "2099-12-31", a.user)


def create_widget(a: Account):
    try:
        widgets.create(f"c-{a.public_id[:8]}", "https://example.com", "2099-12-31", a.user)
    except Conflict as refused:  # the name is new: a 409 would misreport the owner's deletion
        raise AssertionError(f"409 for a new name: {refused}") from None


def purge(a: Account):
    sessions.purge_expired(0)


PAIRS = [
    (refresh, delete),
    (refresh, end_all),
    (refresh, change_password),
    (refresh, log_out),
    (refresh, purge),
    (log_in, delete),
    (change_password, delete),
    (end_all, delete),
    (end_own, delete),
    (log_out, delete),
    (promote, delete),
    (demote, delete),
    (put_widget, delete),
    (create_widget, delete),
    (purge, delete),
    (change_password, end_all),
]


def race(first, second, seconds: float) -> tuple[int, list]:
    """Run `first` and `second` on one fresh account at once, round after round, each on a
    thread of its own (so a connection of its own); return the rounds and the failures."""
    start, done = threading.Barrier(3), threading.Barrier(3)
    state: dict = {"account": None, "stop": False}
    failures: list = []

    def worker(rule):
        try:
            while True:
                start.wait()
                if state["stop"]:
                    return
                try:
                    rule(state["account"])
                except MEANT:
                    pass
                except Exception as error:  # noqa: BLE001  (any other error is what the test finds)
                    failures.append(f"{rule.__name__}: {type(error).__name__}: {error}")
                done.wait()
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(rule,)) for rule in (first, second)]
    for thread in threads:
        thread.start()
    rounds, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline and not failures:
        account(admin=True)  # a colleague, so that an administrator may leave
        state["account"] = account(admin=second is delete and first is demote)
        widgets.put(f"w-{state['account'].public_id[:8]}", "https://example.com", "2099-12-31",
                    state["account"].user)
        start.wait()
        done.wait()
        rounds += 1
    state["stop"] = True
    start.wait()
    for thread in threads:
        thread.join()
    return rounds, failures


@pytest.fixture
def bound(database):
    from service.db.connection import bind

    bind(database)
    empty_tables(database)
    return database


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a.__name__}-{b.__name__}" for a, b in PAIRS])
def test_conflicting_writes_at_once_never_deadlock_nor_fail(bound, first, second):
    rounds, failures = race(first, second, ROUND_SECONDS)
    assert failures == [], f"after {rounds} rounds"
    assert rounds > 5


def test_a_user_refreshing_in_a_loop_cannot_stop_their_deletion(bound):
    """The deletion waits at most for the refresh in hand, then goes through."""
    admin = account(admin=True)
    a = account()
    stop = threading.Event()
    answers: list = []

    def refresh_in_a_loop():
        token = a.refresh_token
        try:
            while not stop.is_set():
                try:
                    _, started = sessions.rotate(token, LIFETIME)
                    token = started.refresh_token
                except Unauthorized:
                    answers.append(401)
                except Exception as error:  # noqa: BLE001
                    answers.append(repr(error))
        finally:
            db.close()

    looping = threading.Thread(target=refresh_in_a_loop)
    looping.start()
    try:
        time.sleep(0.2)
        users.delete(a.public_id)
        time.sleep(0.2)
    finally:
        stop.set()
        looping.join()
    assert User.get_or_none(User.public_id == a.public_id) is None
    assert admin.user.admin
    assert set(answers) <= {401}, answers
