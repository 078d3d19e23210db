"""Fixtures for the contract suite: the service in process and under gunicorn, with real accounts."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import falcon.testing
import pytest
import requests

from contract_tests import node_tools
from contract_tests.identities import Identities
from contract_tests.strategies import register_formats
from service.app import create_app
from service.db.connection import bind
from tests.support.databases import empty_tables
from tests.support.gunicorn import ROOT, serve
from tests.support.settings import TESTING_ENV, make_settings
from tests.support.smtp import key_of

# Long enough that no token expires during a long run (expiry has tests of its own);
# no per-address limit on register and login, which the fuzzer calls thousands of times.
SERVICE_ENV = {"TOKEN_EXPIRE_SECONDS": "7200", "AUTH_RATE_LIMIT": "0"}

register_formats()  # process-wide in schemathesis; only ever adds the spec's own format


@pytest.fixture
def wsgi_app(database_url, database):
    """The app in process on emptied tables; the testing profile validates every response."""
    bind(database)
    empty_tables(database)
    return create_app(make_settings(database_url, **SERVICE_ENV), database)


@pytest.fixture
def wsgi_identities(wsgi_app) -> Identities:
    client = falcon.testing.TestClient(wsgi_app)

    def post(path: str, body: dict) -> tuple[int, dict]:
        response = client.simulate_post(path, json=body)
        return response.status_code, response.json

    return Identities(post)


@pytest.fixture
def live_server(database_url, database):
    """gunicorn -c gunicorn.conf.py on a free port, over the emptied test database."""
    bind(database)
    empty_tables(database)
    running = serve(database_url, **SERVICE_ENV)
    yield running
    running.stop()


@pytest.fixture
def mailing_server(database_url, database, smtp_server):
    """gunicorn plus `widget-api mailer` delivering to a real SMTP server: (server, inbox)."""
    bind(database)
    empty_tables(database)
    running = serve(database_url, SMTP_URL=smtp_server.url, **SERVICE_ENV)
    mailer = subprocess.Popen(
        [str(Path(sys.executable).with_name("widget-api")), "mailer"],
        cwd=ROOT,
        env={
            **os.environ,
            **TESTING_ENV,
            "DATABASE_URL": database_url,
            "SMTP_URL": smtp_server.url,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield running, Inbox(smtp_server)
    mailer.send_signal(signal.SIGTERM)
    assert mailer.wait(timeout=30) == 0
    running.stop()


class Inbox:
    """The mails the SMTP server accepted, read the way their recipient does."""

    def __init__(self, smtp_server):
        self.smtp = smtp_server
        self.read = set()

    def key(self, address: str, subject: str, seconds: float = 30) -> str:
        """The key of the latest mail `subject` to `address` not read before."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in reversed(self.smtp.messages):
                if message["To"] == address and message["Subject"] == subject:
                    found = key_of(message)
                    if found not in self.read:
                        self.read.add(found)
                        return found
            time.sleep(0.05)
        raise AssertionError(f"no new mail {subject!r} to {address} within {seconds} s")


@pytest.fixture
def live_identities(live_server) -> Identities:
    http = requests.Session()

    def post(path: str, body: dict) -> tuple[int, dict]:
        response = http.post(live_server.url + path, json=body, timeout=10)
        return response.status_code, response.json()

    return Identities(post)


@pytest.fixture(scope="session")
def npm_tools():
    """The pinned npm tools (openapi-typescript, openapi-fetch, tsc, redocly), or a skip."""
    return node_tools.install()
