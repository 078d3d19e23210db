"""The service as users run it: gunicorn -c gunicorn.conf.py, over real HTTP."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.server

CREDENTIALS = {"email": "http-user@example.com", "password": "correct horse battery"}


def fresh_session() -> requests.Session:
    """A client that opens a new connection per request, so gunicorn spreads them over workers."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def test_gunicorn_serves_health_and_ready(server):
    assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(server.url + "/ready", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/health", "/ready", "/api/v1/openapi.json", "/api/v1/ui",
                                  "/api/v1/widgets"])
def test_gunicorn_answers_head_as_get_without_a_body(server, path):
    """A load balancer's probe: the GET's status and headers, Content-Length included, no body."""
    same = {"X-Request-ID": "probe"}
    got = fresh_session().get(server.url + path, headers=same, timeout=5)
    head = fresh_session().head(server.url + path, headers=same, timeout=5)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    skip = {"date"}
    assert {k: v for k, v in head.headers.items() if k.lower() not in skip} == {
        k: v for k, v in got.headers.items() if k.lower() not in skip
    }


def test_register_login_user_logout_over_http(server):
    http = fresh_session()
    registered = http.post(server.url + "/api/v1/auth/register", data=CREDENTIALS, timeout=5)
    assert registered.status_code == 201
    token = http.post(server.url + "/api/v1/auth/login", json=CREDENTIALS, timeout=5).json()[
        "access_token"
    ]
    auth = {"Authorization": f"Bearer {token}"}
    assert http.get(server.url + "/api/v1/auth/user", headers=auth, timeout=5).json()["email"] == (
        CREDENTIALS["email"]
    )
    assert http.post(server.url + "/api/v1/auth/logout", headers=auth, timeout=5).status_code == 200


def test_logout_is_seen_by_every_worker_at_once(server):
    http = fresh_session()
    token = http.post(server.url + "/api/v1/auth/register", json=CREDENTIALS, timeout=5).json()[
        "access_token"
    ]
    auth = {"Authorization": f"Bearer {token}"}
    http.post(server.url + "/api/v1/auth/logout", headers=auth, timeout=5)
    answers = {
        http.get(server.url + "/api/v1/auth/user", headers=auth, timeout=5).json()["message"]
        for _ in range(20)
    }
    assert answers == {"Token blacklisted. Please log in again."}


def test_concurrent_duplicate_registrations_over_http_give_one_201(server):
    def attempt(_):
        return fresh_session().post(
            server.url + "/api/v1/auth/register", json=CREDENTIALS, timeout=10
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(attempt, range(10)))
    assert statuses == [201] + [409] * 9


def test_malformed_request_over_http_is_a_4xx_envelope(server):
    response = requests.post(
        server.url + "/api/v1/auth/register", data=b"{not json",
        headers={"Content-Type": "application/json"}, timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["status"] == "fail"
