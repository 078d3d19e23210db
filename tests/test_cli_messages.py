"""The CLI names a database failure for what it is."""

import os
import subprocess
import sys

import pytest

from service.db.connection import open_database
from tests.support.databases import drop_postgres_database, postgres_database

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture
def read_only_url():
    url = postgres_database("readonly")
    database = open_database(url)
    name = database.database
    database.execute_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    database.close()
    yield url
    drop_postgres_database(url)


def test_a_read_only_database_is_one_database_error_line_not_an_unreachable_database(read_only_url):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": read_only_url}
    result = subprocess.run([*CLI, "add-user", "ro@example.com", "--password-stdin"],
                            input="a long passphrase\n", env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    [*_, line] = result.stderr.splitlines()
    assert line.startswith("error: database error: ") and "read-only" in line, result.stderr
    assert "cannot be reached" not in result.stderr
    assert "Service temporarily unavailable" not in result.stderr
