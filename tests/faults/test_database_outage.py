"""With the database gone the service answers 503 at once, and serves again when it returns.

"At once" means before the client's timeout (tests.support.over_http.TIMEOUT,
half gunicorn's worker timeout): a call that hangs fails the test.
"""

import psycopg2
import pytest

from service.errors import ServiceUnavailable
from tests.support.inprocess import bearer, random_email
from tests.support.over_http import TIMEOUT, http, login, register
from tests.support.widgets import widget_body

pytestmark = pytest.mark.server

UNAVAILABLE = {"status": "fail", "message": ServiceUnavailable.default_message}

API_CALLS = {
    "register": lambda base, tokens: register(base),
    "login": lambda base, tokens: login(base, random_email()),
    "current user": lambda base, tokens: http().get(
        base + "/api/v1/auth/user", headers=bearer(tokens["user"]), timeout=TIMEOUT
    ),
    "logout": lambda base, tokens: http().post(
        base + "/api/v1/auth/logout", headers=bearer(tokens["user"]), timeout=TIMEOUT
    ),
    "list widgets": lambda base, tokens: http().get(
        base + "/api/v1/widgets", headers=bearer(tokens["user"]), timeout=TIMEOUT
    ),
    "create widget": lambda base, tokens: http().post(
        base + "/api/v1/widgets",
        json=widget_body("w1"),
        headers=bearer(tokens["admin"]),
        timeout=TIMEOUT,
    ),
    "update widget": lambda base, tokens: http().put(
        base + "/api/v1/widgets/w1",
        json={"info_url": "https://example.com/x", "deadline": "2099-01-01"},
        headers=bearer(tokens["admin"]),
        timeout=TIMEOUT,
    ),
}


def assert_unavailable(response) -> None:
    """503 with Retry-After, the bare envelope (no traceback, no internals) and a request id."""
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json() == UNAVAILABLE
    assert response.headers["X-Request-ID"]


def ready(base: str):
    return http().get(base + "/ready", timeout=TIMEOUT)


def warm(base: str) -> None:
    """Make every worker open its connection, so the outage breaks live connections too."""
    assert all(ready(base).status_code == 200 for _ in range(6))


def test_ready_answers_503_with_retry_after_while_the_database_is_unreachable(service, proxy):
    warm(service.url)
    proxy.cut()
    for _ in range(4):
        assert_unavailable(ready(service.url))


def test_health_answers_200_while_the_database_is_unreachable(service, proxy):
    proxy.cut()
    assert http().get(service.url + "/health", timeout=TIMEOUT).json() == {"status": "ok"}


@pytest.mark.parametrize("call", API_CALLS.values(), ids=API_CALLS.keys())
def test_api_calls_answer_503_with_the_envelope_while_the_database_is_unreachable(
    service, proxy, tokens, call
):
    warm(service.url)
    proxy.cut()
    for _ in range(3):
        assert_unavailable(call(service.url, tokens))


def test_the_same_processes_serve_again_when_the_database_returns(service, proxy, tokens):
    warm(service.url)
    processes = (service.master_pid, service.worker_pids())
    proxy.cut()
    assert_unavailable(ready(service.url))
    assert_unavailable(register(service.url))
    proxy.restore()
    assert [ready(service.url).status_code for _ in range(6)] == [200] * 6
    assert register(service.url).status_code == 201
    user = http().get(
        service.url + "/api/v1/auth/user", headers=bearer(tokens["user"]), timeout=TIMEOUT
    )
    assert user.status_code == 200
    assert (service.master_pid, service.worker_pids()) == processes


def test_a_database_that_accepts_but_never_answers_gives_503_within_the_connect_timeout(
    service, proxy, tokens
):
    warm(service.url)
    proxy.silence()
    assert_unavailable(ready(service.url))
    assert_unavailable(
        http().get(
            service.url + "/api/v1/auth/user", headers=bearer(tokens["user"]), timeout=TIMEOUT
        )
    )
    proxy.restore()
    assert ready(service.url).status_code == 200


def test_a_query_stuck_behind_a_lock_answers_503_and_the_worker_serves_on(
    service, tokens, faults_database_url
):
    holder = psycopg2.connect(faults_database_url, connect_timeout=3)
    try:
        with holder.cursor() as cur:
            cur.execute(
                "LOCK TABLE revoked_tokens IN ACCESS EXCLUSIVE MODE"
            )  # the auth check reads it
        stuck = http().get(
            service.url + "/api/v1/auth/user", headers=bearer(tokens["user"]), timeout=TIMEOUT
        )
    finally:
        holder.rollback()
        holder.close()
    assert_unavailable(stuck)
    user = http().get(
        service.url + "/api/v1/auth/user", headers=bearer(tokens["user"]), timeout=TIMEOUT
    )
    assert user.status_code == 200
