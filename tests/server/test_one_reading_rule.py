"""One rule reads every variable: spaces around a value are ignored, a blank value is unset."""

import os
import subprocess
import sys

import pytest
import requests

from service.settings import Settings
from tests.server.test_configuration_errors import assert_refused_in_one_line, start_gunicorn
from tests.support.gunicorn import ROOT, Gunicorn, free_port
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "service.cli"]


def test_a_log_level_with_spaces_serves(tmp_path):
    url = f"sqlite:///{tmp_path / 'level.db'}"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    subprocess.run([*CLI, "migrate"], env=env, capture_output=True, check=True, timeout=60)
    server = Gunicorn(env={"APP_ENV": "testing", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url,
                           "LOG_LEVEL": " info "}, workers=1)
    try:
        assert requests.get(f"{server.url}/ready", timeout=10).status_code == 200
        assert "Unknown level" not in server.errors()
    finally:
        server.stop()


def test_a_log_level_that_is_no_level_is_one_error_line_even_with_spaces():
    result = start_gunicorn(LOG_LEVEL=" loud ")
    assert_refused_in_one_line(result, "error: LOG_LEVEL must be one of")


def serve_briefly(workers: str, tmp_path) -> subprocess.CompletedProcess:
    """`widget-api serve` as the Procfile runs it, stopped once it answers (or exits)."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    port = free_port()
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url,
           "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": workers}
    subprocess.run([*CLI, "migrate"], env=env, capture_output=True, check=True, timeout=60)
    process = subprocess.Popen(["bash", "-c", "exec widget-api serve"], cwd=ROOT,
                               env={**env, "PATH": f"{os.path.dirname(sys.executable)}:{env['PATH']}"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if process.poll() is not None:
                break
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except requests.RequestException:
                subprocess.run(["sleep", "0.1"])
    finally:
        if process.poll() is None:
            process.terminate()
        out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("workers", ["abc", "2.5"])
def test_the_procfile_refuses_a_bad_worker_count_in_one_error_line(workers, tmp_path):
    result = serve_briefly(workers, tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: WEB_CONCURRENCY must be a whole number from 1 to 64, not {workers!r}"
    ]


@pytest.mark.parametrize("workers", ["", " ", " 1 "])
def test_the_procfile_serves_with_a_blank_or_spaced_worker_count(workers, tmp_path):
    result = serve_briefly(workers, tmp_path)
    assert "invalid literal" not in result.stderr, result.stderr  # gunicorn's int() of the value
    assert "Booting worker" in result.stderr


def test_a_blank_variable_is_unset_and_spaces_around_a_value_are_ignored():
    settings = Settings.from_env({"APP_ENV": " testing ", "METRICS_ALLOW_FROM": "",
                                  "TOKEN_EXPIRE_SECONDS": " 42 ", "AUTH_RATE_LIMIT": " "})
    assert settings.env == "testing" and settings.token_expire_seconds == 42
    assert settings.metrics_allow_from == Settings().metrics_allow_from
    assert settings.auth_rate_limit == Settings().auth_rate_limit


def test_ipv6_host_serves_without_brackets(tmp_path):
    url = f"sqlite:///{tmp_path / 'v6.db'}"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    subprocess.run([*CLI, "migrate"], env=env, capture_output=True, check=True, timeout=60)
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT, env={**env, "SECRET_KEY": TEST_SECRET, "HOST": "::1", "PORT": str(port),
                       "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            assert process.poll() is None, process.communicate()[1]
            try:
                assert requests.get(f"http://[::1]:{port}/health", timeout=2).status_code == 200
                return
            except requests.RequestException:
                subprocess.run(["sleep", "0.1"])
        raise AssertionError("no answer on [::1]")
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=60)
