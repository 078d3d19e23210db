"""Sessions over two instances sharing one PostgreSQL: a change on one is seen by the other at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.inprocess import bearer, random_email
from tests.support.over_http import TIMEOUT, http, login, register

pytestmark = pytest.mark.server

RACERS = 8


def refresh(base: str, token: str):
    return http().post(base + "/api/v1/auth/refresh", json={"refresh_token": token}, timeout=TIMEOUT)


def works(base: str, access_token: str) -> bool:
    return http().get(base + "/api/v1/auth/user", headers=bearer(access_token), timeout=TIMEOUT).ok


def together(calls: list) -> list:
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_refresh_on_one_instance_spends_the_token_on_the_other(a_and_b):
    a, b = a_and_b
    issued = register(a.url).json()
    assert refresh(a.url, issued["refresh_token"]).status_code == 200
    assert refresh(b.url, issued["refresh_token"]).status_code == 401


def test_concurrent_refreshes_over_both_instances_give_one_200_and_end_the_session(a_and_b):
    a, b = a_and_b
    token = register(a.url).json()["refresh_token"]
    answers = together([lambda base=base: refresh(base, token) for base in [a.url, b.url] * (RACERS // 2)])
    assert sorted(r.status_code for r in answers) == [200] + [401] * (RACERS - 1)
    winner = next(r.json() for r in answers if r.status_code == 200)
    for base in (a.url, b.url):
        assert not works(base, winner["access_token"])
        assert refresh(base, winner["refresh_token"]).status_code == 401


def test_logout_everywhere_on_one_instance_racing_refreshes_on_the_other_leaves_no_token(a_and_b):
    a, b = a_and_b
    email = random_email()
    issued = [register(a.url, email).json()] + [login(b.url, email).json() for _ in range(3)]
    end_all = lambda: http().delete(a.url + "/api/v1/auth/sessions",
                                    headers=bearer(issued[0]["access_token"]), timeout=TIMEOUT)
    answers = together([end_all] + [lambda t=t: refresh(b.url, t["refresh_token"]) for t in issued[1:]])
    assert answers[0].status_code == 204
    for tokens in issued + [r.json() for r in answers[1:] if r.status_code == 200]:
        for base in (a.url, b.url):
            assert not works(base, tokens["access_token"])
        assert refresh(b.url, tokens["refresh_token"]).status_code == 401
