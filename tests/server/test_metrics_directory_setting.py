"""PROMETHEUS_MULTIPROC_DIR: a bad one is one error line; the CLI never writes into it."""

import os
import subprocess
import sys

import pytest

from tests.server.test_configuration_errors import assert_refused_in_one_line, start_gunicorn
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture(params=["a file", "under a file"])
def unusable(request, tmp_path):
    afile = tmp_path / "metrics"
    afile.write_text("")
    return str(afile if request.param == "a file" else afile / "sub")


def test_gunicorn_refuses_an_unusable_metrics_directory_in_one_line(unusable):
    result = start_gunicorn(PROMETHEUS_MULTIPROC_DIR=unusable)
    assert_refused_in_one_line(result, "error: PROMETHEUS_MULTIPROC_DIR ")


@pytest.mark.parametrize("args", [["migrate"], ["routes"], ["purge-tokens"]])
def test_cli_commands_ignore_the_web_processes_metrics_directory(args, tmp_path, unusable):
    live = tmp_path / "live"
    live.mkdir()
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": TEST_SECRET,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    subprocess.run([*CLI, "migrate"], env=env, capture_output=True, check=True, timeout=60)
    for directory in (str(live), unusable):
        result = subprocess.run([*CLI, *args], env={**env, "PROMETHEUS_MULTIPROC_DIR": directory},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert list(live.iterdir()) == []
