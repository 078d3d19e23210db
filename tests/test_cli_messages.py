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


@pytest.fixture
def sqlite_env(tmp_path):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    assert subprocess.run([*CLI, "migrate"], env=env, capture_output=True, timeout=60).returncode == 0
    return env


@pytest.mark.parametrize("stdin", [subprocess.DEVNULL, None], ids=["empty", "closed"])
def test_add_user_with_no_terminal_and_no_password_says_so_without_a_traceback(sqlite_env, stdin):
    # start_new_session: no controlling terminal for getpass to open
    result = subprocess.run(
        [*CLI, "add-user", "nopw@example.com"], env=sqlite_env, capture_output=True, text=True,
        timeout=60, start_new_session=True,
        **({"stdin": stdin} if stdin is not None else {"preexec_fn": lambda: os.close(0)}),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith("error: no password given: type it at a "
                                                   "terminal, or pipe one line with --password-stdin")


def test_a_closed_standard_output_is_one_error_line_without_a_traceback(sqlite_env):
    result = subprocess.run([*CLI, "routes"], env=sqlite_env, stdout=None, stderr=subprocess.PIPE,
                            text=True, timeout=60, preexec_fn=lambda: os.close(1))
    assert result.returncode == 1
    assert result.stderr == "error: cannot write the output: standard output is closed\n"


def test_a_failed_migrate_names_the_migration_and_what_was_committed(tmp_path):
    url = f"sqlite:///{tmp_path / 'half.db'}"
    database = open_database(url)
    database.execute_sql("CREATE VIEW widgets AS SELECT 1 AS id")  # 0002 indexes a table of that name
    database.close()
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    result = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: migration 0002_widgets failed (applied and committed before it: "
        "0001_users_and_revoked_tokens): database error: "
    ), result.stderr
    assert "has `widget-api migrate` run" not in result.stderr
