"""The passkey page in headless Chromium with the DevTools WebAuthn virtual authenticator:
register a passkey on the page, sign out, sign in with the passkey, see the current user."""

import os

import pytest
import requests

from tests.support.inprocess import PASSWORD

pytestmark = pytest.mark.browser
TIMEOUT = 15


@pytest.fixture
def localhost_page(browser):
    """A page on http://localhost (a secure context and a valid RP ID, which 127.0.0.1 is not),
    with a virtual platform authenticator: CTAP2, internal, resident keys, user verification."""
    context = browser.new_context()
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    session = context.new_cdp_session(opened)
    session.send("WebAuthn.enable")
    authenticator = session.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    opened.cdp, opened.authenticator_id = session, authenticator["authenticatorId"]
    yield opened
    context.close()


def test_register_sign_out_and_sign_in_with_a_passkey(localhost_page, live_server, artifacts):
    from playwright.sync_api import expect

    page, base = localhost_page, live_server.url.replace("127.0.0.1", "localhost")
    email = f"passkey-{os.urandom(4).hex()}@example.com"
    registered = requests.post(base + "/api/v1/auth/register",
                               json={"email": email, "password": PASSWORD}, timeout=TIMEOUT)
    assert registered.status_code == 201, registered.text

    answer = page.goto(base + "/api/v1/ui/passkeys.html")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.fill("#token", registered.json()["access_token"])
    page.fill("#name", "Virtual authenticator")
    page.click("#register")
    expect(page.locator("#result")).to_have_text("Passkey registered: Virtual authenticator")
    stored = page.cdp.send("WebAuthn.getCredentials", {"authenticatorId": page.authenticator_id})
    assert [c["isResidentCredential"] for c in stored["credentials"]] == [True]

    page.click("#sign-out")
    expect(page.locator("#result")).to_have_text("Signed out")
    assert page.input_value("#token") == ""

    page.click("#sign-in")
    expect(page.locator("#result")).to_have_text(f"Signed in as {email}")
    page.screenshot(path=str(artifacts / "passkey-page.png"))
    assert page.errors == []
