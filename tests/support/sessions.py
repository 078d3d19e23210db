"""The session calls tests repeat: refresh, list, end, change the password (in-process)."""

import jwt

from tests.support.inprocess import PASSWORD, bearer

REFRESH = "/api/v1/auth/refresh"
SESSIONS = "/api/v1/auth/sessions"
PASSWORD_PATH = "/api/v1/auth/password"
USER = "/api/v1/auth/user"


def refresh(client, refresh_token: str):
    return client.simulate_post(REFRESH, json={"refresh_token": refresh_token})


def session_of(access_token: str) -> str:
    """The `sid` an access token names (read without verifying: the service signed it)."""
    return jwt.decode(access_token, options={"verify_signature": False})["sid"]


def sessions_of(client, access_token: str) -> list:
    response = client.simulate_get(SESSIONS, headers=bearer(access_token))
    assert response.status_code == 200, response.text
    return response.json["sessions"]


def change_password(client, access_token: str, new: str, current: str = PASSWORD):
    return client.simulate_put(
        PASSWORD_PATH, headers=bearer(access_token),
        json={"current_password": current, "new_password": new},
    )


def works(client, access_token: str) -> bool:
    """Whether the service still accepts an access token."""
    return client.simulate_get(USER, headers=bearer(access_token)).status_code == 200
