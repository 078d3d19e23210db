"""Two gunicorn instances, as if on two hosts, sharing one PostgreSQL database.

Every check runs twice: with both instances connected to PostgreSQL directly, and
with both behind one PgBouncer in transaction pooling mode, as many deployments run.
"""

import pytest

from tests.support.databases import (
    drop_postgres_database,
    empty_tables,
    models_bound_to,
    postgres_database,
)
from tests.support.gunicorn import serve_unlimited
from tests.support.pgbouncer import PgBouncer


@pytest.fixture(scope="module")
def shared_database_url():
    url = postgres_database("scaleout")
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
def instances(request, shared_database_url):
    """Instance A and instance B: separate ports, separate process trees, one database."""
    pooler = PgBouncer(shared_database_url) if request.param == "pgbouncer" else None
    url = pooler.url_for(shared_database_url) if pooler else shared_database_url
    env = {"DATABASE_PREPARED_STATEMENTS": "off"} if pooler else {}  # PgBouncer 1.18 drops them
    started = []
    try:
        started.append(serve_unlimited(url, **env))
        started.append(serve_unlimited(url, **env))
        yield tuple(started)
    finally:
        for instance in started:
            instance.stop()
        if pooler:
            pooler.stop()


@pytest.fixture
def a_and_b(instances, shared_database_url):
    """Both instances, on an empty database."""
    with models_bound_to(shared_database_url) as database:
        empty_tables(database)
    return instances
