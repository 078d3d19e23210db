"""`widget-api mock` serves the spec's examples to client developers, no database needed."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service.spec import load_spec, resolve_refs
from tests.server.conftest import free_port

WIDGET_API = Path(sys.executable).with_name("widget-api")
DOCUMENT = load_spec().document


def example(path: str, method: str, status: str) -> dict:
    """The example the spec documents for one response."""
    response = resolve_refs(DOCUMENT["paths"][path][method]["responses"][status], DOCUMENT)
    return response["content"]["application/json"]["example"]


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


def test_mock_still_asks_for_a_token(mock_url):
    assert requests.get(mock_url + "/api/v1/widgets", timeout=10).status_code == 401
