"""A real gunicorn refuses a configuration error in its master, in one line, before any worker boots."""

import os
import subprocess

import pytest

from tests.support.gunicorn import GUNICORN, ROOT, free_port
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.server

ACCEPTED_DATABASE_FORMS = "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"


def start_gunicorn(*args, **env) -> subprocess.CompletedProcess:
    """Run `gunicorn -c gunicorn.conf.py` until it exits (a refused start exits at once)."""
    environ = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": TEST_SECRET, "HOST": "127.0.0.1",
               "PORT": str(free_port()), "WEB_CONCURRENCY": "2", **env}
    return subprocess.run([GUNICORN, "-c", "gunicorn.conf.py", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=60)


def assert_refused_in_one_line(result, start: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Booting worker" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(start), result.stderr
    return errors[0]


@pytest.mark.parametrize("url", ["postgress://app@db.example/widgets", "widget.db",
                                 "mysql//app@db.example/widgets", "mysql://app@db.example/widgets"])
def test_gunicorn_with_a_mistyped_database_url_exits_with_one_error_line(url):
    result = start_gunicorn(DATABASE_URL=url)
    assert result.stderr.splitlines() == [assert_refused_in_one_line(result, "error: DATABASE_URL ")]
    assert result.stderr.strip().endswith(ACCEPTED_DATABASE_FORMS)


@pytest.mark.parametrize("name,value", [("TOKEN_LEEWAY_SECONDS", "²"), ("PORT", "http"),
                                        ("GUNICORN_TIMEOUT", "30s"), ("LOG_LEVEL", "loud"),
                                        ("TOKEN_EXPIRE_SECONDS", "99999999999999999999")])
def test_gunicorn_with_a_malformed_setting_exits_with_one_error_line(name, value):
    result = start_gunicorn(**{name: value})
    assert result.stderr.splitlines() == [assert_refused_in_one_line(result, f"error: {name} must be ")]


def test_gunicorn_preloading_the_app_refuses_a_mistyped_database_url_in_one_line():
    result = start_gunicorn(DATABASE_URL="mysql://app@db.example/widgets",
                            GUNICORN_CMD_ARGS="--preload")
    assert result.stderr.splitlines() == [assert_refused_in_one_line(result, "error: DATABASE_URL ")]


def test_gunicorn_env_option_with_a_mistyped_database_url_is_refused_before_any_worker():
    result = start_gunicorn("--env", "DATABASE_URL=mysql://app@db.example/widgets")
    assert_refused_in_one_line(result, "error: DATABASE_URL ")
