"""Every request gets an id, echoed in its response, and one JSON log line that leaks no secret."""

import json
import logging
import re

import falcon.testing
import pytest

from service.app import create_app, get_app
from service.db.models import db
from service.spec.document import load_spec
from tests.support.inprocess import bearer, login, register
from tests.support.logs import captured_log
from tests.support.settings import TEST_SECRET, make_settings

GENERATED = re.compile(r"[0-9a-f]{32}")
SECRET_PASSWORD = "pw-that-must-never-be-logged"


@pytest.fixture
def log_lines():
    """Every record logged during the test, at any level, as the parsed JSON lines production writes."""
    with captured_log() as lines:
        yield lambda: [json.loads(line) for line in lines()]


@pytest.fixture
def models_binding():
    """Give the models back their database after a test builds an app on another one."""
    previous = db.obj
    yield
    db.initialize(previous)


def request_lines(lines: list) -> list:
    return [line for line in lines if line["logger"] == "service.request"]


def test_every_response_in_the_spec_declares_the_request_id():
    undeclared = [
        f"{op.id} {status}"
        for op in load_spec().operations
        for status, response in op.responses.items()
        if not response.get("headers", {}).get("X-Request-ID", {}).get("required")
    ]
    assert undeclared == []


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/health"),
        ("GET", "/api/v1/auth/user"),  # 401
        ("GET", "/no/such/path"),  # 404 without an operation
        ("DELETE", "/health"),  # 405 without an operation
        ("POST", "/api/v1/auth/login"),  # 400
    ],
)
def test_every_response_carries_a_generated_request_id(client, method, path):
    response = client.simulate_request(method, path)
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_each_response_gets_its_own_request_id(client):
    ids = {client.simulate_get("/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "request_id",
    [
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "req-42",
        "12345",
        "Root=1-5759e988-bd86/2e3f:0",
        "a" * 128,
    ],
)
def test_a_well_formed_client_request_id_is_echoed(client, request_id):
    response = client.simulate_get("/api/v1/auth/user", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["", "a" * 129, "two words", "semi;colon", 'quo"te', "-leading-dash", "ünïcode", "<script>"],
)
def test_a_malformed_client_request_id_is_replaced(client, request_id):
    response = client.simulate_get("/health", headers={"X-Request-ID": request_id})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_each_request_logs_one_json_line_with_method_spec_path_status_duration_and_id(
    client, log_lines
):
    token = register(client).json["access_token"]
    before = len(request_lines(log_lines()))
    response = client.simulate_get("/api/v1/widgets/Missing-One", headers=bearer(token))
    (line,) = request_lines(log_lines())[before:]
    assert response.status_code == 404
    assert {k: line[k] for k in ("method", "path", "status", "request_id")} == {
        "method": "GET",
        "path": "/api/v1/widgets/{name}",
        "status": 404,
        "request_id": response.headers["X-Request-ID"],
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "Missing-One" not in json.dumps(line)


def test_a_request_without_a_route_logs_no_path(client, log_lines):
    client.simulate_get("/no/such/path", params={"access_token": "x"})
    (line,) = request_lines(log_lines())
    assert (line["path"], line["status"]) == (None, 404)


def test_tokens_passwords_and_authorization_never_reach_the_log(client, log_lines):
    email = "secretive@example.com"
    token = register(client, email, SECRET_PASSWORD).json["access_token"]
    assert login(client, email, SECRET_PASSWORD).status_code == 200
    assert login(client, email, SECRET_PASSWORD + "!").status_code == 401
    client.simulate_get("/api/v1/auth/user", headers=bearer(token))
    client.simulate_get("/api/v1/auth/user", headers=bearer(token[:-3] + "abc"))
    client.simulate_post("/api/v1/auth/logout", headers=bearer(token))
    client.simulate_get("/api/v1/auth/user", headers=bearer(token))
    logged = json.dumps(log_lines())
    assert len(request_lines(log_lines())) == 7
    for secret in (SECRET_PASSWORD, token, token.split(".")[2], "Bearer "):
        assert secret not in logged


def test_a_log_line_written_while_serving_carries_the_request_id(log_lines, models_binding):
    closed_port = make_settings("postgresql://postgres@127.0.0.1:9/nothing")
    client = falcon.testing.TestClient(create_app(closed_port))
    response = client.simulate_get("/ready", headers={"X-Request-ID": "trace-me-1"})
    assert response.status_code == 503
    warnings = [line for line in log_lines() if line["level"] == "warning"]
    assert warnings and all(line["request_id"] == "trace-me-1" for line in warnings)


def test_the_served_app_writes_its_log_as_json_lines_on_stdout(
    monkeypatch, capsys, tmp_path, models_binding
):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    for name, value in {
        "APP_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SECRET_KEY": TEST_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    try:
        falcon.testing.TestClient(get_app()).simulate_get("/health")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert [(line["method"], line["path"], line["status"]) for line in request_lines(lines)] == [
        ("GET", "/health", 200)
    ]
