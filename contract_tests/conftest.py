"""Fixtures for the contract suite: the service in process and under gunicorn, with real accounts."""

import falcon.testing
import pytest
import requests

from contract_tests import node_tools
from contract_tests.identities import Identities
from contract_tests.strategies import register_formats
from service.app import create_app
from service.db.connection import bind
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve
from tests.support.settings import make_settings

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
