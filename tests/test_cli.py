"""The `widget-api` command, run as a real process."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from service.db.connection import bind, open_database
from service.db.models import RevokedToken, User, utcnow

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture
def cli_env(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [*CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert run("migrate").returncode == 0
    database = open_database(url)
    yield run, database
    database.close()


def test_migrate_reports_what_it_applied(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "APP_ENV": "testing"}
    first = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    second = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    assert first.returncode == 0 and "0001_users_and_revoked_tokens" in first.stdout
    assert second.stdout.strip() == "applied 0 migration(s)"


def test_add_user_with_password_stdin_creates_an_admin(cli_env):
    run, database = cli_env
    result = run("add-user", "Boss@Example.com", "--admin", "--password-stdin",
                 stdin="a long passphrase\n")
    assert result.returncode == 0, result.stderr
    assert "created admin boss@example.com" in result.stdout
    bind(database)
    assert User.get(User.email == "boss@example.com").admin is True


def test_add_user_existing_email_fails_with_a_clear_message(cli_env):
    run, _ = cli_env
    run("add-user", "a@example.com", "--password-stdin", stdin="a long passphrase\n")
    result = run("add-user", "A@example.com", "--password-stdin", stdin="another passphrase\n")
    assert result.returncode == 1
    assert "a@example.com is already registered" in result.stderr


def test_add_user_invalid_email_and_short_password_are_named(cli_env):
    run, _ = cli_env
    result = run("add-user", "first last", "--password-stdin", stdin="short\n")
    assert result.returncode == 1
    assert "email: first last is not a valid email" in result.stderr
    assert "password:" in result.stderr


def test_purge_tokens_prints_how_many_it_deleted(cli_env):
    run, database = cli_env
    bind(database)
    RevokedToken.create(jti="old", expires_at=utcnow() - timedelta(minutes=1))
    RevokedToken.create(jti="live", expires_at=utcnow() + timedelta(minutes=1))
    result = run("purge-tokens")
    assert result.returncode == 0
    assert result.stdout.strip() == "purged 1 expired revoked token(s)"


@pytest.mark.parametrize("command", ["migrate", "add-user", "purge-tokens", "serve"])
def test_every_command_has_help_with_an_example(command):
    result = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "example:" in result.stdout


def test_production_without_secret_key_fails_clearly(tmp_path):
    env = {**os.environ, "APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr
