"""`widget-api mock` serves the spec's examples to client developers, no database needed."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service.spec.document import load_spec, resolve_refs
from tests.support.gunicorn import free_port

WIDGET_API = Path(sys.executable).with_name("widget-api")
SPEC = load_spec()
DOCUMENT = SPEC.document
BEARER = {"Authorization": "Bearer any"}


def example(path: str, method: str, status: str) -> dict:
    """The example the spec documents for one response."""
    response = resolve_refs(DOCUMENT["paths"][path][method]["responses"][status], DOCUMENT)
    media = response["content"]["application/json"]
    if "example" in media:
        return media["example"]
    (only,) = media["examples"].values()
    return only["value"]


@pytest.fixture(scope="module")
def mock_log(tmp_path_factory):
    return tmp_path_factory.mktemp("mock") / "mock.log"


@pytest.fixture(scope="module")
def mock_url(mock_log):
    port = free_port()
    with mock_log.open("w") as log:
        process = subprocess.Popen(
            [str(WIDGET_API), "mock", "--port", str(port)],
            env={**os.environ, "PATH": f"{WIDGET_API.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/health", process, mock_log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(url: str, process, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"widget-api mock exited: {log.read_text()}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"widget-api mock did not answer within {seconds} s")


def test_mock_serves_the_documented_widget(mock_url):
    response = requests.get(
        mock_url + "/api/v1/widgets/my-widget", headers={"Authorization": "Bearer any"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json() == example("/api/v1/widgets/{name}", "get", "200")


def test_mock_serves_the_documented_user(mock_url):
    response = requests.get(
        mock_url + "/api/v1/auth/user", headers={"Authorization": "Bearer any"}, timeout=10
    )
    assert response.json() == example("/api/v1/auth/user", "get", "200")


def test_mock_answers_login_with_the_login_example(mock_url):
    response = requests.post(
        mock_url + "/api/v1/auth/login",
        json={"email": "user@example.com", "password": "correct horse battery"}, timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["message"] == "successfully logged in"
    assert response.json() == example("/api/v1/auth/login", "post", "200")


def test_mock_asks_for_a_token_with_the_service_401(mock_url):
    response = requests.get(mock_url + "/api/v1/widgets", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"status": "fail", "message": "Unauthorized"}
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="')


def test_mock_refuses_a_bad_query_with_the_validation_envelope_naming_the_field(mock_url):
    response = requests.get(
        mock_url + "/api/v1/widgets?per_page=7", headers={"Authorization": "Bearer any"}, timeout=10
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "fail"
    assert body["message"] == "Input payload validation failed"
    assert list(body["errors"]) == ["per_page"]


def test_mock_refuses_a_bad_body_with_the_validation_envelope_naming_the_field(mock_url):
    response = requests.post(
        mock_url + "/api/v1/auth/register", json={"email": "user@example.com"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Input payload validation failed"
    assert list(response.json()["errors"]) == ["password"]


def test_mock_answers_an_unknown_path_with_the_envelope(mock_url):
    response = requests.get(mock_url + "/api/v1/nothing-here", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"status": "fail", "message": "Not Found"}


def test_mock_serves_the_service_spec(mock_url):
    response = requests.get(mock_url + "/api/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(DOCUMENT, default=str))
    yaml = requests.get(mock_url + "/api/v1/openapi.yaml", timeout=10)
    assert yaml.text == SPEC.text


def test_mock_sends_the_root_to_the_docs_page(mock_url):
    response = requests.get(mock_url + "/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/v1/ui"
    page = requests.get(mock_url + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'id="swagger-ui"' in page.text


def test_mock_serves_the_docs_page_its_files_and_its_trailing_slash_redirect(mock_url):
    script = requests.get(mock_url + "/api/v1/ui/widget-api-init.js", timeout=10)
    assert script.status_code == 200
    assert '"/api/v1/openapi.json"' in script.text
    slash = requests.get(mock_url + "/api/v1/ui/", allow_redirects=False, timeout=10)
    assert (slash.status_code, slash.headers["Location"]) == (301, "/api/v1/ui")
    head = requests.head(mock_url + "/api/v1/ui", timeout=10)
    assert (head.status_code, head.content) == (200, b"")


def parameter_example(parameter: dict):
    return parameter.get("example", parameter["schema"].get("example"))


def example_request(op) -> tuple:
    """The URL path and query of an operation, filled with its parameters' examples."""
    path, query = op.path, {}
    for parameter in op.parameters:
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", str(parameter_example(parameter)))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = parameter_example(parameter)
    return path, query


def first_example(op):
    """The status and JSON example of an operation's first documented response."""
    status = min(op.responses)
    content = op.responses[status].get("content", {}).get("application/json", {})
    if "example" in content:
        return int(status), content["example"]
    if content.get("examples"):
        return int(status), next(iter(content["examples"].values()))["value"]
    return int(status), None


READS = [op for op in SPEC.operations if op.method in ("GET", "HEAD") and not op.id.startswith("docs.")]


@pytest.mark.parametrize("op", READS, ids=[op.id for op in READS])
def test_mock_answers_every_read_with_its_first_example(mock_url, op):
    path, query = example_request(op)
    response = requests.request(
        op.method, mock_url + path, params=query, headers=BEARER, allow_redirects=False, timeout=10
    )
    status, body = first_example(op)
    assert response.status_code == status, response.text
    if op.method == "GET" and body is not None:
        assert response.json() == body


def test_mock_log_has_no_warning_for_operations_taking_json_and_forms(mock_url, mock_log):
    response = requests.post(
        mock_url + "/api/v1/auth/login",
        json={"email": "user@example.com", "password": "correct horse battery"}, timeout=10,
    )
    assert response.status_code == 200
    assert "multiple content types" not in mock_log.read_text()


def body_example(op):
    """The JSON example of an operation's request body, if it takes one."""
    content = (op.request_body or {}).get("content", {}).get("application/json")
    if content is None:
        return None
    if "example" in content:
        return content["example"]
    if content.get("examples"):
        return next(iter(content["examples"].values()))["value"]
    return content["schema"].get("example")


WRITES = [op for op in SPEC.operations if op.method not in ("GET", "HEAD")]


@pytest.mark.parametrize("op", WRITES, ids=[op.id for op in WRITES])
def test_mock_answers_every_write_of_its_example_with_its_first_example(mock_url, op):
    path, query = example_request(op)
    body = body_example(op)
    response = requests.request(
        op.method, mock_url + path, params=query, headers=BEARER, allow_redirects=False,
        timeout=10, **({} if body is None else {"json": body}),
    )
    status, answer = first_example(op)
    assert response.status_code == status, response.text
    if answer is not None:
        assert response.json() == answer
