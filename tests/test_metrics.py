"""GET /metrics in process: who may scrape it, and what it counts."""

import falcon.testing
import pytest

from service.app import create_app
from service.db.connection import bind, open_database
from service.db.models import db
from tests.support.inprocess import (
    PASSWORD,
    admin_token,
    assert_envelope,
    bearer,
    login,
    random_email,
    register,
    token_for,
)
from tests.support.metrics import sample
from tests.support.settings import make_settings
from tests.support.widgets import WIDGETS, widget_body

METRICS = "/metrics"
OUTSIDER = "203.0.113.9"


def scrape(client) -> str:
    response = client.simulate_get(METRICS)
    assert response.status_code == 200, response.text
    return response.text


def test_metrics_answers_the_classic_prometheus_text_format_to_this_host(client):
    response = client.simulate_get(METRICS)  # the test client's address is 127.0.0.1
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE http_requests_total counter" in response.text
    assert "# TYPE http_request_duration_seconds histogram" in response.text


def test_metrics_from_an_address_not_allowed_answers_404_exactly_as_an_unknown_path(client):
    refused = client.simulate_get(METRICS, remote_addr=OUTSIDER)
    unknown = client.simulate_get("/no-such-path", remote_addr=OUTSIDER)
    assert_envelope(refused, 404)
    assert (refused.status_code, refused.json) == (unknown.status_code, unknown.json)
    assert {k for k in refused.headers} == {k for k in unknown.headers}


@pytest.mark.parametrize("method", ["POST", "DELETE", "OPTIONS"])
def test_any_other_method_from_an_address_not_allowed_answers_404_as_for_an_unknown_path(
    client_with, method
):
    client = client_with(CORS_ORIGINS="https://app.example.com")
    refused = client.simulate_request(method, METRICS, remote_addr=OUTSIDER)
    unknown = client.simulate_request(method, "/no-such-path", remote_addr=OUTSIDER)
    assert_envelope(refused, 404)
    assert (refused.status_code, refused.json) == (unknown.status_code, unknown.json)
    assert "Allow" not in refused.headers


@pytest.mark.parametrize("spelling", ["/metrics", "//metrics", "///metrics"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"])
def test_every_spelling_that_routes_to_metrics_answers_404_to_an_address_not_allowed(
    client, spelling, method
):
    """The router reads `//metrics` as `/metrics`; the gate must see it so too."""
    refused = client.simulate_request(method, spelling, remote_addr=OUTSIDER)
    unknown = client.simulate_request(method, spelling.replace("metrics", "no-such-path"),
                                      remote_addr=OUTSIDER)
    assert (refused.status_code, refused.text) == (unknown.status_code, unknown.text) == (
        404, unknown.text
    )
    assert "Allow" not in refused.headers


def test_metrics_allow_from_admits_the_networks_it_names(client_with):
    client = client_with(METRICS_ALLOW_FROM="203.0.113.0/24")
    assert client.simulate_get(METRICS, remote_addr=OUTSIDER).status_code == 200
    assert client.simulate_get(METRICS).status_code == 404  # loopback is no longer named


def test_requests_are_counted_by_the_spec_path_template_never_the_raw_path(client):
    admin = bearer(admin_token(client))
    client.simulate_post(WIDGETS, json=widget_body("counted"), headers=admin)
    before = scrape(client)
    for _ in range(3):
        assert client.simulate_get(WIDGETS + "/counted", headers=admin).status_code == 200
    after = scrape(client)
    labels = {"method": "GET", "route": "/api/v1/widgets/{name}", "status": "200"}
    assert sample(after, "http_requests_total", **labels) - sample(before, "http_requests_total", **labels) == 3
    assert sample(after, "http_request_duration_seconds_count", method="GET", route="/api/v1/widgets/{name}") >= 3
    assert "/api/v1/widgets/counted" not in after


def test_unknown_methods_and_paths_do_not_add_series(client):
    client.simulate_request("FROB", "/x-" + random_email())
    text = scrape(client)
    assert 'method="FROB"' not in text and "/x-" not in text
    assert sample(text, "http_requests_total", method="other", route="unmatched") >= 1


def test_login_outcomes_are_counted_apart(client_with):
    client = client_with(LOGIN_MAX_FAILURES="1")
    email, stranger = random_email(), random_email()
    assert register(client, email).status_code == 201
    before = scrape(client)
    assert login(client, email).status_code == 200
    assert login(client, email, PASSWORD + "x").status_code == 401
    assert login(client, stranger).status_code == 401
    assert login(client, email, PASSWORD + "x").status_code == 429
    after = scrape(client)
    counted = {
        outcome: sample(after, "widget_api_logins_total", outcome=outcome)
        - sample(before, "widget_api_logins_total", outcome=outcome)
        for outcome in ("success", "wrong_password", "unknown_email", "throttled")
    }
    assert counted == {"success": 1, "wrong_password": 1, "unknown_email": 1, "throttled": 1}


def test_a_logout_counts_one_revoked_token(client):
    token = token_for(client)
    before = sample(scrape(client), "widget_api_tokens_revoked_total")
    assert client.simulate_post("/api/v1/auth/logout", headers=bearer(token)).status_code == 200
    assert sample(scrape(client), "widget_api_tokens_revoked_total") - before == 1


@pytest.mark.parametrize("name", ["widget_api_database_unavailable_total", "process_cpu_seconds_total"])
def test_the_operational_metrics_are_shown_from_the_start(client, name):
    assert f"\n{name} " in scrape(client) or f"\n{name}{{" in scrape(client)


def test_an_answer_503_for_a_database_that_cannot_serve_is_counted(tmp_path):
    """An unmigrated SQLite file: the API's query fails and the answer is the 503."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_database(url).connect()  # the file exists, with no tables in it
    previous = db.obj
    try:
        client = falcon.testing.TestClient(create_app(make_settings(url)))
        before = sample(scrape(client), "widget_api_database_unavailable_total")
        assert register(client).status_code == 503
        assert sample(scrape(client), "widget_api_database_unavailable_total") - before == 1
    finally:
        if previous is not None:
            bind(previous)
