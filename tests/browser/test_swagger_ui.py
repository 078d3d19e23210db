"""The interactive docs as a person uses them, in headless Chromium against gunicorn."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
import requests

from service.spec.document import load_spec

pytestmark = [pytest.mark.server, pytest.mark.browser]

UI = "/api/v1/ui"
PASSWORD = "correct horse battery"
SCRIPTS_FROM_OWN_ORIGIN_ONLY = "script-src 'self'; object-src 'none'; base-uri 'none'"
TIMEOUT_MS = 15_000


class SwaggerUI:
    """The docs page in a person's terms: open, try an operation out, authorize."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    def open(self) -> None:
        """Load the page and wait until the spec's operations are drawn."""
        self.page.goto(self.base_url + UI)
        self.page.locator(".opblock").first.wait_for(timeout=TIMEOUT_MS)

    def operation(self, method: str, path: str):
        summary_path = self.page.locator(f'.opblock-summary-path[data-path="{path}"]')
        return self.page.locator(f".opblock.opblock-{method}", has=summary_path)

    def call(self, method: str, path: str, body: dict | None = None):
        """Expand the operation, press "Try it out", fill the body, press "Execute"."""
        operation = self.operation(method, path)
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        if body is not None:
            operation.locator("textarea.body-param__text").fill(json.dumps(body))
        operation.get_by_role("button", name="Execute").click()
        return Response(operation.locator(".live-responses-table .response").first)

    def authorize(self, token: str) -> None:
        """Paste a token into the "Authorize" dialog, replacing any earlier one."""
        self.page.locator(".scheme-container .btn.authorize").click()
        dialog = self.page.locator(".dialog-ux .modal-ux")
        logout = dialog.get_by_role("button", name="Logout")
        if logout.count():
            logout.click()
        dialog.get_by_label("auth-bearer-value").fill(token)
        dialog.get_by_role("button", name="Authorize", exact=True).click()
        dialog.get_by_role("button", name="Close").click()

    def screenshot(self, path, showing) -> None:
        """Save what the window shows once `showing` (a response) is scrolled into view."""
        showing.row.evaluate("row => row.scrollIntoView({block: 'center'})")
        self.page.screenshot(path=str(path))


class Response:
    """The live response Swagger UI draws under an executed operation."""

    def __init__(self, row):
        self.row = row

    def status(self) -> str:
        status = self.row.locator(".response-col_status")
        status.wait_for(timeout=TIMEOUT_MS)
        return status.inner_text().strip()

    def json(self) -> dict:
        return json.loads(self.row.locator(".response-col_description pre").first.inner_text())


@pytest.fixture
def ui(page, live_server):
    """The docs page, under the server's own policy plus one refusing inline and foreign scripts."""

    def strict_scripts(route):
        response = route.fetch()
        policies = [response.headers.get("content-security-policy"), SCRIPTS_FROM_OWN_ORIGIN_ONLY]
        headers = {**response.headers, "content-security-policy": ", ".join(filter(None, policies))}
        route.fulfill(response=response, headers=headers)

    page.route(live_server.url + UI, strict_scripts)
    docs = SwaggerUI(page, live_server.url)
    docs.open()
    yield docs
    assert page.errors == [], "the page logged errors"


@pytest.fixture
def admin_email(live_database_url) -> str:
    """An administrator created as an operator would, with `widget-api add-user --admin`."""
    email = f"admin-{os.urandom(4).hex()}@example.com"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": live_database_url}
    created = subprocess.run(
        [sys.executable, "-m", "service.cli", "add-user", email, "--admin", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert created.returncode == 0, created.stderr
    return email


def test_page_groups_every_operation_under_its_tag(ui):
    spec = load_spec()
    tags = ui.page.locator(".opblock-tag-section h3").all_inner_texts()
    assert [tag.split()[0] for tag in tags] == [tag["name"] for tag in spec.document["tags"]]
    for op in spec.operations:
        assert ui.operation(op.method.lower(), op.path).count() == 1, f"{op.id} is not shown"


def test_page_loads_nothing_from_other_origins(page, live_server):
    # Served as from a public host name: Swagger UI skips some remote calls on 127.0.0.1.
    public = "http://widgets.example.com"
    page.route(public + "/**", lambda route: route.fulfill(
        response=route.fetch(url=route.request.url.replace(public, live_server.url))
    ))
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    SwaggerUI(page, public).open()
    page.wait_for_load_state("networkidle")
    assert requested and [url for url in requested if not url.startswith(public + "/")] == []


def test_registered_user_authorizes_and_sees_themselves(ui, artifacts):
    email = f"reader-{os.urandom(4).hex()}@example.com"
    registered = ui.call("post", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    assert registered.status() == "201"
    ui.authorize(registered.json()["access_token"])
    me = ui.call("get", "/api/v1/auth/user")
    assert me.status() == "200"
    assert me.json()["email"] == email
    ui.screenshot(artifacts / "auth-user.png", showing=me)


def test_admin_creates_a_widget_and_sees_it_in_the_list(ui, admin_email, artifacts):
    logged_in = ui.call("post", "/api/v1/auth/login", {"email": admin_email, "password": PASSWORD})
    assert logged_in.status() == "200"
    ui.authorize(logged_in.json()["access_token"])
    deadline = (date.today() + timedelta(days=365)).strftime("%m/%d/%Y")
    widget = {"name": "browser-widget", "info_url": "https://example.com/b", "deadline": deadline}
    created = ui.call("post", "/api/v1/widgets", widget)
    assert created.status() == "201"
    listed = ui.call("get", "/api/v1/widgets")
    assert listed.status() == "200"
    assert [item["name"] for item in listed.json()["items"]] == ["browser-widget"]
    ui.screenshot(artifacts / "widgets-list.png", showing=listed)


def test_authorization_survives_a_reload(ui, live_server):
    email = f"returning-{os.urandom(4).hex()}@example.com"
    registered = requests.post(
        live_server.url + "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD}, timeout=10,
    )
    ui.authorize(registered.json()["access_token"])
    ui.open()
    me = ui.call("get", "/api/v1/auth/user")
    assert me.status() == "200"
    assert me.json()["email"] == email


def test_user_refreshes_and_sees_their_sessions(ui, artifacts):
    email = f"session-{os.urandom(4).hex()}@example.com"
    registered = ui.call("post", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    assert registered.status() == "201"
    refreshed = ui.call("post", "/api/v1/auth/refresh",
                        {"refresh_token": registered.json()["refresh_token"]})
    assert refreshed.status() == "200"
    ui.authorize(refreshed.json()["access_token"])
    listed = ui.call("get", "/api/v1/auth/sessions")
    assert listed.status() == "200"
    assert [session["current"] for session in listed.json()["sessions"]] == [True]
    ui.screenshot(artifacts / "auth-sessions.png", showing=listed)


def test_user_asks_for_a_reset_and_sees_their_second_factors(ui, artifacts):
    email = f"factors-{os.urandom(4).hex()}@example.com"
    registered = ui.call("post", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    assert registered.status() == "201"
    reset = ui.call("post", "/api/v1/auth/password/reset", {"email": email})
    assert reset.status() == "202"
    assert reset.json()["status"] == "success"
    ui.authorize(registered.json()["access_token"])
    factors = ui.call("get", "/api/v1/auth/mfa")
    assert factors.status() == "200"
    assert factors.json() == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}
    ui.screenshot(artifacts / "auth-mfa.png", showing=factors)
