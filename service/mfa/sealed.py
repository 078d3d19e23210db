"""Secrets sealed at rest (AES-256-GCM) under a key derived from SECRET_KEY.

A sealed value names the key that sealed it, so after a rotation the keys in
PREVIOUS_SECRET_KEYS still open what they sealed. Each value is bound to its
owner (the associated data), so a sealed secret copied to another row opens
for no one.
"""

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.auth.tokens import key_id

NONCE_BYTES = 12


class Unreadable(Exception):
    """A sealed value whose key is gone or whose bytes were changed."""


def _derive(secret: str) -> AESGCM:
    """A key of its own for sealing: never the bytes that sign tokens."""
    return AESGCM(hashlib.sha256(b"widget-api sealed secrets\x00" + secret.encode()).digest())


class Sealer:
    """Seal with the current key; open with the current or a previous one."""

    def __init__(self, secret: str, previous_secrets=()):
        self.kid = key_id(secret)
        self._keys = {key_id(key): _derive(key) for key in previous_secrets}
        self._keys[self.kid] = _derive(secret)

    @classmethod
    def from_settings(cls, settings) -> "Sealer":
        return cls(settings.secret_key, settings.previous_secret_keys)

    def seal(self, plain: str, owner: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.kid].encrypt(nonce, plain.encode(), owner.encode())
        return f"{self.kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def is_current(self, sealed: str) -> bool:
        return sealed.partition(".")[0] == self.kid

    def open(self, sealed: str, owner: str) -> str:
        kid, _, data = sealed.partition(".")
        key = self._keys.get(kid)
        if key is None:
            raise Unreadable(f"sealed under key {kid}, which is no longer configured")
        raw = base64.urlsafe_b64decode(data)
        try:
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], owner.encode()).decode()
        except InvalidTag:
            raise Unreadable("sealed value does not open: changed or moved") from None
