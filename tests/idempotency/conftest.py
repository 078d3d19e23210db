"""Fixtures for the idempotency tests: an administrator and a key of one's own."""

import uuid

import pytest

from tests.support.inprocess import admin_token, bearer


@pytest.fixture
def admin(client) -> dict:
    """Authorization headers of an administrator."""
    return bearer(admin_token(client, "admin@example.com"))


@pytest.fixture
def key() -> str:
    return str(uuid.uuid4())
