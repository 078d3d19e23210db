"""Real gunicorn processes on a PostgreSQL database of their own, some of them behind a TCP proxy."""

from urllib.parse import urlparse

import pytest

from tests.support.databases import (
    drop_postgres_database,
    empty_tables,
    models_bound_to,
    postgres_database,
)
from tests.support.gunicorn import Gunicorn, serve_unlimited
from tests.support.over_http import admin_token, token_for
from tests.support.proxy import TcpProxy
from tests.support.wire import url_through


@pytest.fixture(scope="module")
def faults_database_url():
    url = postgres_database("faults")
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="module")
def proxy(faults_database_url):
    target = urlparse(faults_database_url)
    running = TcpProxy(target.hostname, target.port or 5432)
    yield running
    running.close()


@pytest.fixture(scope="module")
def behind_proxy(faults_database_url, proxy):
    """One gunicorn (two workers) that reaches the database only through the proxy."""
    running = serve_unlimited(url_through(faults_database_url, proxy.address))
    yield running
    running.stop()


@pytest.fixture
def service(behind_proxy, proxy, faults_database_url):
    """The proxied gunicorn on an empty database; the proxy forwards again afterwards, whatever the test did."""
    proxy.restore()
    with models_bound_to(faults_database_url) as database:
        empty_tables(database)
    yield behind_proxy
    proxy.restore()


@pytest.fixture
def tokens(service, faults_database_url) -> dict:
    """A user's and an admin's token, issued while the database answers."""
    return {"user": token_for(service.url), "admin": admin_token(faults_database_url, service.url)}


@pytest.fixture
def direct(faults_database_url):
    """Start gunicorn straight on the database (no proxy); stopped afterwards."""
    started = []

    def start(workers: int) -> Gunicorn:
        with models_bound_to(faults_database_url) as database:
            empty_tables(database)
        started.append(serve_unlimited(faults_database_url, workers=workers))
        return started[-1]

    yield start
    for running in started:
        running.stop()
