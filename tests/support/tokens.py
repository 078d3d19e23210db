"""Tokens for the token tests: forged with chosen claims or headers, and how a refusal looks."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt

from service.db.models import User
from tests.support.inprocess import bearer
from tests.support.settings import TEST_SECRET


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def header_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def relabel(token: str, key: str = TEST_SECRET, drop: tuple = (), **header) -> str:
    """Rewrite a token's header (set `header`, remove `drop`) and sign it again with HMAC-SHA256 under `key`.

    The signature verifies under `key` whatever `alg` the new header claims.
    """
    fields = {name: value for name, value in header_of(token).items() if name not in drop}
    fields.update(header)
    signing_input = f"{b64(json.dumps(fields).encode())}.{token.split('.')[1]}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


USER = "/api/v1/auth/user"
INVALID = "Invalid token. Please log in again."
EXPIRED = "Access token expired. Please log in again."
BLACKLISTED = "Token blacklisted. Please log in again."


def challenge(message: str) -> str:
    return (
        'Bearer realm="registered_users@widget-api", error="invalid_token", '
        f'error_description="{message}"'
    )


def forge(client, key=TEST_SECRET, algorithm="HS256", headers=None, **claims) -> str:
    """Sign claims for a real user, overriding any of them; None removes a claim."""
    user = User.get()
    now = int(time.time())
    payload = {"sub": str(user.public_id), "admin": user.admin, "iat": now, "exp": now + 60,
               "jti": uuid.uuid4().hex}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm, headers={"typ": "at+jwt", **(headers or {})})


def refused(client, token: str, message: str = INVALID):
    response = client.simulate_get(USER, headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.json == {"status": "fail", "message": message}
    assert response.headers["WWW-Authenticate"] == challenge(message)
