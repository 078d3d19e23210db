"""Fixtures for the contract suite: the service in process and under gunicorn, with real accounts.

CONTRACT_EXAMPLES sets schemathesis's examples per operation (100 by default,
the CI figure; 1000 for the long run); CONTRACT_SEED repeats a run exactly.
"""

import os
import tomllib
from pathlib import Path

import falcon.testing
import pytest
import requests
import schemathesis

from contract_tests import node_tools
from contract_tests.identities import Identities, bearer_provider
from contract_tests.strategies import keep_positive_deadlines_valid, register_formats
from service.app import create_app
from service.db.connection import bind
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve
from tests.support.settings import make_settings

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "100"))
SEED = os.environ.get("CONTRACT_SEED")
# Long enough that no token expires during a long run (expiry has tests of its own);
# no per-address limit on register and login, which the fuzzer calls thousands of times.
SERVICE_ENV = {"TOKEN_EXPIRE_SECONDS": "7200", "AUTH_RATE_LIMIT": "0"}

register_formats()  # process-wide in schemathesis; only ever adds the spec's own format


def contract_config(*, in_process: bool = False) -> schemathesis.Config:
    """schemathesis.toml's settings at EXAMPLES per operation; its hooks go per schema."""
    data = tomllib.loads(CONFIG_FILE.read_text())
    del data["hooks"]  # loaded globally they would reach every schemathesis user in the process
    data["generation"]["max-examples"] = EXAMPLES
    if in_process:
        # schemathesis 4.32's WSGI transport crashes on this check's unauthenticated probe (it hands
        # `max_redirects` to werkzeug); the gunicorn run applies it to every operation.
        data.setdefault("checks", {})["ignored_auth"] = {"enabled": False}
    if SEED:
        data["seed"] = int(SEED)
    return schemathesis.Config.from_dict(data)


def prepared(schema, identities: Identities, role_for):
    """`schema` presenting `role_for(operation)`'s token, with positive deadlines kept valid."""
    schema.auth(refresh_interval=None)(bearer_provider(identities, role_for))
    keep_positive_deadlines_valid(schema)
    return schema


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
