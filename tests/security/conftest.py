"""Fixtures for the adversarial suite: apps built with the settings an attack needs."""

import falcon.testing
import pytest

from conftest import empty_tables, make_settings
from service.app import create_app
from service.db.connection import bind


@pytest.fixture
def client_with(database_url, database):
    """Build clients for settings overridden by environment variables, all on one emptied database.

    Several clients of one test share the database, as workers and hosts do.
    """
    bind(database)
    empty_tables(database)

    def build(**env) -> falcon.testing.TestClient:
        return falcon.testing.TestClient(create_app(make_settings(database_url, **env), database))

    return build
