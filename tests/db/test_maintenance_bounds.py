"""migrate and purge-tokens are no requests: they wait out a lock past the request bounds."""

import os
import subprocess
import sys
import threading

import pytest

from service.db.connection import open_database
from tests.support.databases import drop_postgres_database, postgres_database

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture(scope="module")
def database_url():
    url = postgres_database("maintenance")
    yield url
    drop_postgres_database(url)


def test_purge_tokens_waits_for_a_lock_held_past_the_request_lock_timeout(database_url):
    holder = open_database(database_url)
    holder.execute_sql("BEGIN")
    holder.execute_sql("LOCK TABLE revoked_tokens IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(6, lambda: holder.execute_sql("COMMIT"))  # past lock_timeout (4 s)
    release.start()
    try:
        result = subprocess.run(
            [*CLI, "purge-tokens"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "APP_ENV": "testing", "DATABASE_URL": database_url},
        )
    finally:
        release.join()
        holder.close()
    assert result.returncode == 0, result.stderr  # a request's 4 s lock_timeout would cancel it
