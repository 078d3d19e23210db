"""A software passkey authenticator for the tests: ES256 keys, attestation `none`, CBOR.

It answers the options the service hands out as a browser would hand
`navigator.credentials` results to the page: JSON as `PublicKeyCredential.toJSON()`
writes it. Its origin, RP ID and signature counter can be set wrong on purpose.
"""

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Credential:
    """One key pair held by the authenticator, with the user handle it was made for."""

    def __init__(self, rp_id: str, user_handle: bytes):
        self.id = os.urandom(16)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.sign_count = 0

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})


class Authenticator:
    """Makes and uses passkeys for `origin`; `rp_id` defaults to the options' own."""

    def __init__(self, origin: str = "http://localhost:8000"):
        self.origin = origin
        self.credentials: list[Credential] = []

    def create(self, options: dict, origin: str | None = None, rp_id: str | None = None) -> dict:
        rp_id = rp_id or options["rp"]["id"]
        credential = Credential(rp_id, unb64url(options["user"]["id"]))
        self.credentials.append(credential)
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (b"\x00" * 16 + struct.pack(">H", len(credential.id)) + credential.id
                    + credential.cose_key())
        auth_data = self._auth_data(rp_id, UP | UV | AT, 0) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential.id), "rawId": b64url(credential.id), "type": "public-key",
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data),
                         "attestationObject": b64url(attestation), "transports": ["internal"]},
        }

    def get(self, options: dict, credential: Credential | None = None, origin: str | None = None,
            rp_id: str | None = None, sign_count: int | None = None) -> dict:
        credential = credential or self.credentials[-1]
        credential.sign_count = credential.sign_count + 1 if sign_count is None else sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(rp_id or options["rpId"], UP | UV, credential.sign_count)
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                        ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential.id), "rawId": b64url(credential.id), "type": "public-key",
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(auth_data), "signature": b64url(signature),
                         "userHandle": b64url(credential.user_handle)},
        }

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    @staticmethod
    def _auth_data(rp_id: str, flags: int, sign_count: int) -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)
