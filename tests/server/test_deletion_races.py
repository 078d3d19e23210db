"""Requests racing the deletion of the user they act for, over real gunicorn: each answers 401,
404 or its normal success, never a 5xx (a foreign-key error, a deadlock)."""

import random
import threading
import time

import pytest

from tests.support.concurrency import together
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve_unlimited
from tests.support.inprocess import PASSWORD, bearer, random_email
from tests.support.over_http import TIMEOUT, admin_token, http, login, register

pytestmark = pytest.mark.server

RUN_SECONDS = 12
CLIENTS = 6
ACCOUNTS = 4


@pytest.fixture
def server(database_url, database):
    empty_tables(database)
    running = serve_unlimited(database_url, workers=3)
    yield running
    running.stop()


def user_link(base: str, admin: dict, email: str) -> str | None:
    listed = http().get(base + "/api/v1/users?per_page=100", headers=admin, timeout=TIMEOUT)
    return next((u["link"] for u in listed.json()["items"] if u["email"] == email), None)


def test_a_widget_put_by_an_administrator_being_deleted_never_fails(server, database_url):
    base = server.url
    keeper = bearer(admin_token(database_url, base))
    for round_ in range(15):
        leaving_email = random_email()
        leaving = bearer(admin_token_for(database_url, base, leaving_email))
        link = user_link(base, keeper, leaving_email)

        def race(i):
            if i == 0:
                return http().delete(base + link, headers=keeper, timeout=TIMEOUT)
            return http().put(f"{base}/api/v1/widgets/w-{round_}-{i}", headers=leaving, timeout=TIMEOUT,
                              json={"info_url": "https://example.com", "deadline": "2099-12-31"})

        answers = together(4, race)
        assert answers[0].status_code == 204, answers[0].text
        assert {r.status_code for r in answers[1:]} <= {200, 201, 401}, [r.text for r in answers]


def admin_token_for(database_url: str, base: str, email: str) -> str:
    from service.auth import accounts
    from tests.support.databases import models_bound_to
    from tests.support.inprocess import CHEAP

    with models_bound_to(database_url):
        accounts.register(email, PASSWORD, CHEAP, admin=True)
    return login(base, email).json()["access_token"]


def test_random_account_operations_racing_deletions_never_answer_5xx(server, database_url):
    """Refresh, log out, end all, change the password, promote, demote, delete and register
    again, at random on a few accounts from several clients at once."""
    base = server.url
    admin = bearer(admin_token(database_url, base))
    emails = [random_email() for _ in range(ACCOUNTS)]
    tokens: dict = {}
    lock = threading.Lock()
    failures: list = []
    counts = {"requests": 0}

    def remember(email, response):
        if response.status_code in (200, 201) and "access_token" in response.json():
            with lock:
                tokens[email] = response.json()

    for email in emails:
        remember(email, register(base, email))

    def operate(rng: random.Random):
        email = rng.choice(emails)
        held = tokens.get(email)
        auth = bearer(held["access_token"]) if held else {}
        kind = rng.choice(["refresh", "logout", "end_all", "password", "promote", "demote",
                           "delete", "register", "login"])
        client = http()
        if kind == "refresh" and held:
            answer = client.post(base + "/api/v1/auth/refresh", timeout=TIMEOUT,
                                 json={"refresh_token": held["refresh_token"]})
        elif kind == "logout" and held:
            answer = client.post(base + "/api/v1/auth/logout", headers=auth, timeout=TIMEOUT)
        elif kind == "end_all" and held:
            answer = client.delete(base + "/api/v1/auth/sessions", headers=auth, timeout=TIMEOUT)
        elif kind == "password" and held:
            answer = client.put(base + "/api/v1/auth/password", headers=auth, timeout=TIMEOUT,
                                json={"current_password": PASSWORD, "new_password": PASSWORD})
        elif kind in ("promote", "demote", "delete"):
            link = user_link(base, admin, email)
            if link is None:
                return None
            if kind == "delete":
                answer = client.delete(base + link, headers=admin, timeout=TIMEOUT)
            else:
                answer = client.patch(base + link, headers=admin, timeout=TIMEOUT,
                                      json={"admin": kind == "promote"})
        elif kind == "login":
            answer = login(base, email)
        else:
            answer = register(base, email)
        remember(email, answer)
        return kind, answer

    def client_loop(seed: int):
        rng, deadline = random.Random(seed), time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            done = operate(rng)
            if done is None:
                continue
            kind, answer = done
            with lock:
                counts["requests"] += 1
                if answer.status_code >= 500:
                    failures.append(f"{kind}: {answer.status_code} {answer.text[:200]}")

    together(CLIENTS, client_loop)
    assert failures == [], f"{len(failures)} of {counts['requests']} requests"
    assert counts["requests"] > 50
