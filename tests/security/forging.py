"""Hand-made tokens for the attacks: a header rewritten and signed again, so only that field differs."""

import base64
import hashlib
import hmac
import json

from conftest import TEST_SECRET


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
