"""`widget-api mock` serves the spec's examples to client developers, no database needed."""

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
DOCUMENT = load_spec().document


def example(path: str, method: str, status: str) -> dict:
    """The example the spec documents for one response."""
    response = resolve_refs(DOCUMENT["paths"][path][method]["responses"][status], DOCUMENT)
    media = response["content"]["application/json"]
    if "example" in media:
        return media["example"]
    (only,) = media["examples"].values()
    return only["value"]


@pytest.fixture(scope="module")
def mock_url():
    port = free_port()
    process = subprocess.Popen(
        [str(WIDGET_API), "mock", "--port", str(port)],
        env={**os.environ, "PATH": f"{WIDGET_API.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/health", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"widget-api mock exited: {process.stderr.read()}")
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
