"""Fixtures for the widget tests: an admin, a plain user, and a way to add widgets."""

import pytest

from tests.support.inprocess import admin_token, bearer, token_for
from tests.support.widgets import WIDGETS, widget_body


@pytest.fixture
def admin(client) -> dict:
    """Authorization headers of an administrator."""
    return bearer(admin_token(client, "admin@example.com"))


@pytest.fixture
def user(client) -> dict:
    """Authorization headers of a user without admin rights."""
    return bearer(token_for(client, "user@example.com"))


@pytest.fixture
def add_widgets(client, admin):
    """Create widgets named widget-1..widget-N through the API, in that order."""

    def add(count: int) -> list:
        names = [f"widget-{i}" for i in range(1, count + 1)]
        for name in names:
            response = client.simulate_post(WIDGETS, json=widget_body(name), headers=admin)
            assert response.status_code == 201, response.text
        return names

    return add
