"""The README's commands as a new user runs them: install, serve, and the tests' prerequisites."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.gunicorn import free_port

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
TEST_STAMP = VENV / ".installed-test"
WARNING = "SECRET_KEY is not set"

pytestmark = pytest.mark.skipif(
    Path(sys.prefix).resolve() != VENV.resolve(),
    reason="the scripts manage the project's own .venv, and these tests run from another Python",
)


def install(*extras: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "scripts/install", *extras], cwd=ROOT, capture_output=True, text=True,
        timeout=600, check=False,
    )


def pyproject_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def test_install_does_nothing_while_pyproject_is_unchanged():
    assert install("test").returncode == 0
    again = install("test")
    assert again.returncode == 0
    assert again.stdout + again.stderr == ""


def test_install_runs_again_when_pyproject_changed_and_prints_no_setuptools_banner():
    TEST_STAMP.write_text("the digest of an older pyproject.toml\n")
    done = install("test")
    assert done.returncode == 0, done.stderr
    assert "Installing widget-api[test]" in done.stderr
    assert "Editable installation" not in done.stdout + done.stderr
    assert TEST_STAMP.read_text().strip() == pyproject_digest()


def test_serve_warns_about_a_missing_secret_key_once(tmp_path):
    """migrate, the CLI, gunicorn's master and its worker share one warning."""
    assert install("test").returncode == 0
    port = free_port()
    env = {
        key: value for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "APP_ENV", "WIDGET_API_DEV_KEY_WARNED")
    }
    env.update(PORT=str(port), HOST="127.0.0.1", WEB_CONCURRENCY="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}")
    serving = subprocess.Popen(
        ["bash", "scripts/serve"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}/health", serving)
    finally:
        serving.terminate()
        output = serving.communicate(timeout=60)[0]
    assert output.count(WARNING) == 1, output


def wait_for_health(url: str, process, attempts: int = 600) -> None:
    """Poll until the only worker answers, which it does once it has built the app."""
    for _ in range(attempts):
        if process.poll() is not None:
            raise AssertionError("scripts/serve exited before answering")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def run_browser_test_without_chromium(**env) -> str:
    """One browser test, in a fresh pytest, with CHROMIUM_PATH naming no file."""
    environ = {key: value for key, value in os.environ.items() if key != "CI"}
    environ.update(CHROMIUM_PATH="/nonexistent/chromium", **env)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser", "-q", "-rsE", "-p", "no:cacheprovider",
         "-k", "test_page_groups_every_operation_under_its_tag"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )
    return done.stdout + done.stderr


def test_browser_tests_skip_pointing_to_the_prerequisites_step_when_chromium_is_missing():
    output = run_browser_test_without_chromium()
    assert "1 skipped" in output, output
    assert "/nonexistent/chromium is missing" in output
    assert "scripts/prerequisites" in output
    assert "apt-get" not in output.replace("sudo apt-get install chromium", "")


def test_browser_tests_fail_under_ci_when_chromium_is_missing():
    output = run_browser_test_without_chromium(CI="true")
    assert "1 error" in output, output
    assert "browser test cannot run in CI" in output


def run_exposition_check_without_promtool(**env) -> str:
    """The promtool test, in a fresh pytest, with PROMTOOL_PATH naming no file."""
    environ = {key: value for key, value in os.environ.items() if key != "CI"}
    environ.update(PROMTOOL_PATH="/nonexistent/promtool", **env)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/server/test_metrics.py", "-q", "-rsE", "-p",
         "no:cacheprovider", "-k", "test_the_exposition_passes_promtool_check_metrics"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )
    return done.stdout + done.stderr


def test_the_exposition_check_skips_pointing_to_the_prerequisites_step_when_promtool_is_missing():
    output = run_exposition_check_without_promtool()
    assert "1 skipped" in output, output
    assert "/nonexistent/promtool is missing" in output
    assert "scripts/prerequisites" in output


def test_the_exposition_check_fails_under_ci_when_promtool_is_missing():
    output = run_exposition_check_without_promtool(CI="true")
    assert "1 error" in output, output
    assert "promtool check cannot run in CI" in output
