"""Fixtures for the database tests."""

import pytest

from tests.support.databases import drop_postgres_database, postgres_database


@pytest.fixture(scope="module")
def module_postgres(request) -> str:
    """A fresh, migrated PostgreSQL database for one test module, named after it; its URL."""
    url = postgres_database(request.module.__name__.rpartition(".")[2])
    yield url
    drop_postgres_database(url)
