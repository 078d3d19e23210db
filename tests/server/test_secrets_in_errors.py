"""No error line carries any part of DATABASE_URL's password, whatever it holds unescaped."""

import os
import subprocess
import sys

import pytest

from service.settings import ConfigError, Settings
from tests.server.test_configuration_errors import assert_refused_in_one_line, start_gunicorn
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "service.cli"]
PASSWORD_PARTS = ("S3cr3t", "Pa55")
# A password holding /, ?, # or @ unescaped, and one of digits before a /.
URLS = ["postgresql://app:S3cr3t/Pa55@db.example:5432/widgets",
        "postgresql://app:S3cr3t?Pa55@db.example/widgets",
        "postgresql://app:S3cr3t#Pa55@db.example/widgets",
        "postgresql://app:S3cr3t@Pa55@db.example/",
        "postgresql://app:5432/S3cr3tPa55@db.example/widgets",
        "postgresql://app:S3cr3tPa55"]


def assert_no_password(text: str) -> None:
    for part in PASSWORD_PARTS:
        assert part not in text, text


@pytest.mark.parametrize("url", URLS)
def test_settings_refuse_a_malformed_url_without_quoting_its_password(url):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": url})
    assert str(refused.value).startswith("DATABASE_URL ")
    assert_no_password(str(refused.value))


@pytest.mark.parametrize("url", URLS)
def test_the_cli_says_the_url_is_malformed_without_its_password(url):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}
    result = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: DATABASE_URL ")
    assert_no_password(result.stdout + result.stderr)


@pytest.mark.parametrize("url", URLS[:2])
def test_gunicorn_says_the_url_is_malformed_without_its_password(url):
    result = start_gunicorn(DATABASE_URL=url)
    assert_refused_in_one_line(result, "error: DATABASE_URL ")
    assert_no_password(result.stdout + result.stderr)
