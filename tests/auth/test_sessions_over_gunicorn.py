"""Every session and user operation over real HTTP to gunicorn's workers, and their races."""


import pytest

from tests.support.concurrency import together
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve_unlimited
from tests.support.inprocess import PASSWORD, bearer, random_email
from tests.support.over_http import TIMEOUT, admin_token, http, login, register
from tests.support.sessions import session_of

pytestmark = pytest.mark.server

RACERS = 8


@pytest.fixture(scope="module")
def server(database_url, database):
    running = serve_unlimited(database_url, workers=4)
    yield running
    running.stop()


@pytest.fixture
def base(server, database) -> str:
    empty_tables(database)
    return server.url


def refresh(base: str, token: str):
    return http().post(base + "/api/v1/auth/refresh", json={"refresh_token": token}, timeout=TIMEOUT)


def works(base: str, access_token: str) -> bool:
    return http().get(base + "/api/v1/auth/user", headers=bearer(access_token), timeout=TIMEOUT).ok


def test_the_whole_session_flow_over_http(base):
    email = random_email()
    first = register(base, email).json()
    refreshed = refresh(base, first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    other = login(base, email).json()
    listed = http().get(base + "/api/v1/auth/sessions", headers=bearer(tokens["access_token"]),
                        timeout=TIMEOUT).json()["sessions"]
    assert [s["current"] for s in listed] == [False, True]
    gone = http().delete(f"{base}/api/v1/auth/sessions/{session_of(other['access_token'])}",
                         headers=bearer(tokens["access_token"]), timeout=TIMEOUT)
    assert gone.status_code == 204 and not works(base, other["access_token"])
    changed = http().put(base + "/api/v1/auth/password", headers=bearer(tokens["access_token"]),
                         data={"current_password": PASSWORD, "new_password": "another passphrase"},
                         timeout=TIMEOUT)
    assert changed.status_code == 200, changed.text
    assert not works(base, tokens["access_token"])
    new = changed.json()
    assert http().delete(base + "/api/v1/auth/sessions", headers=bearer(new["access_token"]),
                         timeout=TIMEOUT).status_code == 204
    assert not works(base, new["access_token"]) and refresh(base, new["refresh_token"]).status_code == 401
    logged_in = http().post(base + "/api/v1/auth/login", timeout=TIMEOUT,
                            json={"email": email, "password": "another passphrase"}).json()
    logout = http().post(base + "/api/v1/auth/logout", headers=bearer(logged_in["access_token"]),
                         timeout=TIMEOUT)
    assert logout.status_code == 200 and refresh(base, logged_in["refresh_token"]).status_code == 401


def test_user_administration_over_http(base, database_url):
    admin = bearer(admin_token(database_url, base))
    email = random_email()
    user = register(base, email).json()
    listed = http().get(base + "/api/v1/users", headers=admin, timeout=TIMEOUT)
    assert listed.status_code == 200 and listed.headers["Total-Count"] == "2"
    link = next(u["link"] for u in listed.json()["items"] if u["email"] == email)
    assert http().get(base + link, headers=admin, timeout=TIMEOUT).json()["email"] == email
    promoted = http().patch(base + link, headers={**admin, "Content-Type": "application/merge-patch+json"},
                            data='{"admin": true}', timeout=TIMEOUT)
    assert promoted.status_code == 200 and promoted.json()["admin"] is True
    assert http().get(base + "/api/v1/users", headers=bearer(user["access_token"]), timeout=TIMEOUT).ok
    assert http().delete(base + link, headers=admin, timeout=TIMEOUT).status_code == 204
    assert not works(base, user["access_token"])
    assert http().get(base + link, headers=admin, timeout=TIMEOUT).status_code == 404


def test_concurrent_refreshes_of_one_token_give_one_200_and_end_the_session(base):
    issued = register(base).json()
    answers = together(RACERS, lambda _: refresh(base, issued["refresh_token"]))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [401] * (RACERS - 1)
    winner = next(r.json() for r in answers if r.status_code == 200)
    assert not works(base, winner["access_token"])
    assert refresh(base, winner["refresh_token"]).status_code == 401


def test_concurrent_logout_everywhere_and_refreshes_leave_no_token_working(base):
    email = random_email()
    sessions = [login(base, email).json() if i else register(base, email).json() for i in range(4)]
    ender = sessions[0]["access_token"]

    def race(i):
        if i == 0:
            return http().delete(base + "/api/v1/auth/sessions", headers=bearer(ender), timeout=TIMEOUT)
        return refresh(base, sessions[i % len(sessions)]["refresh_token"])

    answers = together(RACERS, race)
    assert answers[0].status_code == 204
    survivors = [s for s in sessions] + [r.json() for r in answers[1:] if r.status_code == 200]
    for issued in survivors:
        assert not works(base, issued["access_token"])
        assert refresh(base, issued["refresh_token"]).status_code == 401


def test_two_administrators_demoting_each_other_at_once_leave_one(base, database_url):
    tokens = []
    for _ in range(2):
        tokens.append(bearer(admin_token(database_url, base)))
    listed = http().get(base + "/api/v1/users", headers=tokens[0], timeout=TIMEOUT).json()["items"]
    links = [user["link"] for user in listed]
    answers = together(2, lambda i: http().patch(
        base + links[1 - i], headers=tokens[i], json={"admin": False}, timeout=TIMEOUT))
    # the loser was either demoted before its own check of rights (403) or counted after it (409)
    winner, loser = sorted(r.status_code for r in answers)
    assert winner == 200 and loser in (403, 409)
    after = http().get(base + "/api/v1/users", headers=tokens[0], timeout=TIMEOUT)
    if after.status_code == 403:
        after = http().get(base + "/api/v1/users", headers=tokens[1], timeout=TIMEOUT)
    assert [user["admin"] for user in after.json()["items"]].count(True) == 1
