"""Fixtures for the tests of the real server."""

import pytest

from tests.support.databases import empty_tables
from tests.support.gunicorn import serve


@pytest.fixture
def server(database_url, database):
    """gunicorn -c gunicorn.conf.py with two workers, over the emptied test database."""
    empty_tables(database)
    running = serve(database_url)
    running.wait_for_boot_lines(2)
    yield running
    running.stop()
