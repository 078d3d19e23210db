"""Concurrent password changes over real gunicorn: of several changes made with the same current
password, exactly one succeeds; the others are told their current password no longer matches."""

import pytest

from tests.support.concurrency import together
from tests.support.databases import empty_tables
from tests.support.gunicorn import serve_unlimited
from tests.support.inprocess import PASSWORD, bearer
from tests.support.over_http import TIMEOUT, http, register

pytestmark = pytest.mark.server

CHANGES = 6


@pytest.fixture
def server(database_url, database):
    empty_tables(database)
    running = serve_unlimited(database_url, workers=3)
    yield running
    running.stop()


def test_of_concurrent_changes_with_one_current_password_exactly_one_succeeds(server):
    base = server.url
    for round_ in range(3):
        token = register(base).json()["access_token"]

        def change(i):
            return http().put(base + "/api/v1/auth/password", headers=bearer(token), timeout=TIMEOUT,
                              json={"current_password": PASSWORD, "new_password": f"new passphrase {i:02d}"})

        answers = together(CHANGES, change)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses.count(200) == 1, [(a.status_code, a.text) for a in answers]
        assert set(statuses) <= {200, 400, 401}, [(a.status_code, a.text) for a in answers]
