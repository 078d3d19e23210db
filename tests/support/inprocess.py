"""The API calls tests repeat, through Falcon's in-process test client."""

import uuid
from urllib.parse import urlencode

from service.auth import accounts
from service.auth.passwords import Passwords

PASSWORD = "correct horse battery"
CHEAP = Passwords.for_profile("testing")


def random_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def register(client, email: str | None = None, password: str = PASSWORD):
    return client.simulate_post(
        "/api/v1/auth/register", json={"email": email or random_email(), "password": password}
    )


def login(client, email: str, password: str = PASSWORD):
    return client.simulate_post("/api/v1/auth/login", json={"email": email, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(client, email: str | None = None) -> str:
    """Register a fresh user and return its access token."""
    response = register(client, email)
    assert response.status_code == 201, response.json
    return response.json["access_token"]


def admin_token(client, email: str | None = None) -> str:
    """Create an admin through the account rules (as `widget-api add-user --admin` does) and log in."""
    email = email or random_email()
    accounts.register(email, PASSWORD, CHEAP, admin=True)
    response = login(client, email)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def post_form(client, path: str, fields: dict, **kwargs):
    return client.simulate_post(
        path,
        body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})},
        **kwargs,
    )


def assert_envelope(response, status: int, message: str | None = None) -> None:
    """Assert an error response has `status` and the contract's envelope."""
    assert response.status_code == status, response.text
    body = response.json
    assert body["status"] == "fail"
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
