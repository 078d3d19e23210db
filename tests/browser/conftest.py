"""Headless Chromium driven by Playwright against a real gunicorn, on SQLite.

Chromium is Debian's package, installed by scripts/prerequisites (which scripts/test
runs first). Where it is missing the tests are skipped with the reason; under CI=true
they fail instead, since CI must prove the docs work in a browser.
"""

import os
import re
from pathlib import Path

import pytest

from service.db.connection import migrate, open_database
from tests.support.gunicorn import serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "artifacts" / "browser"
OFF_LOOPBACK = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def unavailable(reason: str):
    """Skip with the reason, or fail under CI, where the browser test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The path of Debian's chromium, which scripts/prerequisites installs."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: install it with `bash scripts/prerequisites` as root "
                    "(or `sudo apt-get install chromium`, or set CHROMIUM_PATH)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live_database_url(tmp_path_factory) -> str:
    """A migrated SQLite file: the browser checks the docs page, not the database backends."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    database = open_database(url)
    migrate(database)
    database.close()
    return url


@pytest.fixture(scope="module")
def live_server(live_database_url):
    running = serve(live_database_url)
    yield running
    running.stop()


@pytest.fixture
def page(browser):
    """A fresh page, without stored authorization, that records errors and reaches only loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(OFF_LOOPBACK, lambda route: route.abort())
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    yield opened
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
