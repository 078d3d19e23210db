"""Two gunicorn instances, as if on two hosts, sharing one PostgreSQL database."""

import pytest

from tests.support.databases import (
    drop_postgres_database,
    empty_tables,
    models_bound_to,
    postgres_database,
)
from tests.support.gunicorn import serve_unlimited


@pytest.fixture(scope="module")
def shared_database_url():
    url = postgres_database("scaleout")
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="module")
def instances(shared_database_url):
    """Instance A and instance B: separate ports, separate process trees, one database."""
    started = []
    try:
        started.append(serve_unlimited(shared_database_url))
        started.append(serve_unlimited(shared_database_url))
        yield tuple(started)
    finally:
        for instance in started:
            instance.stop()


@pytest.fixture
def a_and_b(instances, shared_database_url):
    """Both instances, on an empty database."""
    with models_bound_to(shared_database_url) as database:
        empty_tables(database)
    return instances
