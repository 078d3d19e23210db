"""The API calls tests repeat, over real HTTP against a live server at `base`."""

import requests

from service.auth import accounts
from tests.support.databases import models_bound_to
from tests.support.inprocess import CHEAP, PASSWORD, random_email

TIMEOUT = 15  # seconds any one call may take before the test calls it a hang


def http() -> requests.Session:
    """A client that opens a new connection per request, so gunicorn spreads them over workers."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def register(base: str, email: str | None = None) -> requests.Response:
    return http().post(
        base + "/api/v1/auth/register",
        json={"email": email or random_email(), "password": PASSWORD},
        timeout=TIMEOUT,
    )


def login(base: str, email: str) -> requests.Response:
    return http().post(
        base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=TIMEOUT
    )


def token_for(base: str) -> str:
    response = register(base)
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


def admin_token(database_url: str, base: str) -> str:
    """Create an admin through the account rules, as `widget-api add-user --admin` does; log in over HTTP."""
    email = random_email()
    with models_bound_to(database_url):
        accounts.register(email, PASSWORD, CHEAP, admin=True)
    response = login(base, email)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
