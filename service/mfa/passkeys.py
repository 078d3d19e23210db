"""Passkeys (WebAuthn Level 3) through the `webauthn` package: ceremonies and credentials.

A ceremony is a challenge handed out: 32 random bytes, stored with what it is
for (registration, or authentication) and, where known, whose it is; it works
once, for five minutes (it is deleted as it is presented, before anything is
checked). Every response is checked for its challenge, origin, RP ID, user
presence and verification, and signature; a signature counter that goes back
refuses the login and is logged, as the authenticator may have been cloned.
"""

import base64
import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import peewee
import webauthn
from webauthn.helpers import bytes_to_base64url, parse_authenticator_data
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from service.auth.challenges import unauthorized
from service.auth.writes import must_write
from service.clock import utcnow
from service.db.models import Ceremony, Passkey, User, db
from service.errors import Conflict, NotFound, ValidationFailed
from service.mfa.locks import user_locked

log = logging.getLogger(__name__)

CEREMONY_SECONDS = 300
CHALLENGE_BYTES = 32
RP_NAME = "Widget API"
REGISTRATION, AUTHENTICATION = "registration", "authentication"
LOCAL_ORIGIN = re.compile(r"https?://localhost(:[0-9]{1,5})?")
NO_CEREMONY = "no such ceremony: it is unknown, spent, expired or not yours"
NOT_VERIFIED = "the credential does not verify"
REFUSED = "passkey not accepted"
ALREADY_REGISTERED = "this passkey is already registered"
PASSKEY_NOT_FOUND = "passkey not found"
LISTED = 100
BAD_INPUT = (WebAuthnException, ValueError, KeyError, TypeError, IndexError)


@dataclass(frozen=True)
class Relying:
    """Who the passkeys are for: the RP ID and the origins ceremonies may come from."""

    rp_id: str
    origins: tuple  # empty: http(s)://localhost at any port

    @classmethod
    def from_settings(cls, settings) -> "Relying":
        return cls(settings.webauthn_rp_id, settings.webauthn_origins)

    def expected_origin(self, credential: dict) -> str:
        """The origin the client data names when it is allowed; otherwise one it cannot match."""
        try:
            client_data = json.loads(_b64(credential["response"]["clientDataJSON"]))
            origin = client_data["origin"]
        except (*BAD_INPUT, json.JSONDecodeError):
            return "none"
        allowed = origin in self.origins if self.origins else bool(LOCAL_ORIGIN.fullmatch(origin))
        return origin if allowed else "none"


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _start(kind: str, user_id: int | None, challenge: bytes) -> str:
    now = utcnow()
    with must_write("a WebAuthn ceremony"), db.atomic():
        Ceremony.delete().where(Ceremony.expires_at <= now).execute()
        row = Ceremony.create(
            kind=kind, user=user_id, challenge=bytes_to_base64url(challenge),
            expires_at=now + timedelta(seconds=CEREMONY_SECONDS),
        )
    return str(row.public_id)


def _take(ceremony_id: str, kind: str, user_id: int | None) -> bytes | None:
    """Spend a ceremony of `kind` for `user_id` (None: one begun without a user); its challenge."""
    owner = Ceremony.user.is_null() if user_id is None else (Ceremony.user == user_id)
    match = (
        (Ceremony.public_id == uuid.UUID(ceremony_id)) & (Ceremony.kind == kind) & owner
        & (Ceremony.expires_at > utcnow())
    )
    with must_write("a WebAuthn ceremony"), db.atomic():
        row = Ceremony.get_or_none(match)
        if row is None or not Ceremony.delete().where(Ceremony.id == row.id).execute():
            return None
    return _b64(row.challenge)


class Passkeys:
    """The passkey rules, for one relying party."""

    def __init__(self, relying: Relying):
        self.relying = relying

    def registration_options(self, user: User) -> tuple[str, dict]:
        existing = Passkey.select(Passkey.credential_id).where(Passkey.user == user.id)
        options = webauthn.generate_registration_options(
            rp_id=self.relying.rp_id, rp_name=RP_NAME, user_id=user.public_id.bytes,
            user_name=user.email, user_display_name=user.email,
            challenge=secrets.token_bytes(CHALLENGE_BYTES), timeout=CEREMONY_SECONDS * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=_b64(row.credential_id)) for row in existing
            ],
        )
        ceremony = _start(REGISTRATION, user.id, options.challenge)
        return ceremony, json.loads(webauthn.options_to_json(options))

    def add(self, user: User, ceremony_id: str, credential: dict, name: str) -> Passkey:
        challenge = _take(ceremony_id, REGISTRATION, user.id)
        if challenge is None:
            raise ValidationFailed({"ceremony": NO_CEREMONY})
        try:
            verified = webauthn.verify_registration_response(
                credential=credential, expected_challenge=challenge,
                expected_rp_id=self.relying.rp_id,
                expected_origin=self.relying.expected_origin(credential),
                require_user_verification=True,
            )
        except BAD_INPUT as refused:
            log.info("passkey registration refused for user %s: %s", user.id, refused)
            raise ValidationFailed({"credential": NOT_VERIFIED}) from None
        try:
            with user_locked(user.id, "a new passkey"):
                return Passkey.create(
                    user=user.id, credential_id=bytes_to_base64url(verified.credential_id),
                    public_key=bytes_to_base64url(verified.credential_public_key),
                    sign_count=verified.sign_count, name=name,
                )
        except peewee.IntegrityError:
            raise Conflict(ALREADY_REGISTERED) from None

    def listed(self, user: User) -> list[Passkey]:
        return list(
            Passkey.select().where(Passkey.user == user.id)
            .order_by(Passkey.created_at, Passkey.id).limit(LISTED)
        )

    def delete(self, user: User, passkey_id: str) -> None:
        with user_locked(user.id, "deleting a passkey"):
            gone = Passkey.delete().where(
                (Passkey.public_id == uuid.UUID(passkey_id)) & (Passkey.user == user.id)
            ).execute()
        if not gone:
            raise NotFound(PASSKEY_NOT_FOUND)

    def authentication_options(self, user: User | None) -> tuple[str, dict]:
        """Options for a discoverable sign-in (no user) or for `user`'s passkeys."""
        allowed = [] if user is None else [
            PublicKeyCredentialDescriptor(id=_b64(row.credential_id))
            for row in Passkey.select(Passkey.credential_id).where(Passkey.user == user.id)
        ]
        options = webauthn.generate_authentication_options(
            rp_id=self.relying.rp_id, challenge=secrets.token_bytes(CHALLENGE_BYTES),
            timeout=CEREMONY_SECONDS * 1000, allow_credentials=allowed,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        ceremony = _start(AUTHENTICATION, user.id if user else None, options.challenge)
        return ceremony, json.loads(webauthn.options_to_json(options))

    def log_in(self, ceremony_id: str, credential: dict) -> User:
        """The user a discoverable sign-in proves; 401 for any refusal."""
        challenge = _take(ceremony_id, AUTHENTICATION, None)
        if challenge is None:
            raise unauthorized(REFUSED)
        return self._assert(challenge, credential, None)

    def verify_second_factor(self, user: User, ceremony_id: str, credential: dict) -> None:
        challenge = _take(ceremony_id, AUTHENTICATION, user.id)
        if challenge is None:
            raise unauthorized(REFUSED)
        self._assert(challenge, credential, user.id)

    def _assert(self, challenge: bytes, credential: dict, user_id: int | None) -> User:
        passkey = (
            Passkey.select(Passkey, User).join(User)
            .where(Passkey.credential_id == str(credential.get("rawId", "")))
            .first()
        )
        if passkey is None or (user_id is not None and passkey.user.id != user_id):
            raise unauthorized(REFUSED)
        handle = credential.get("response", {}).get("userHandle")
        if handle and handle.rstrip("=") != bytes_to_base64url(passkey.user.public_id.bytes):
            raise unauthorized(REFUSED)
        try:
            verified = webauthn.verify_authentication_response(
                credential=credential, expected_challenge=challenge,
                expected_rp_id=self.relying.rp_id,
                expected_origin=self.relying.expected_origin(credential),
                credential_public_key=_b64(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except BAD_INPUT as refused:
            self._log_refusal(passkey, credential, refused)
            raise unauthorized(REFUSED) from None
        self._used(passkey, verified.new_sign_count)
        return passkey.user

    def _used(self, passkey: Passkey, sign_count: int) -> None:
        """Record the new counter; a counter that moved past it meanwhile refuses this one."""
        forward = (Passkey.sign_count < sign_count) | ((Passkey.sign_count == 0) & (sign_count == 0))
        with must_write("a passkey's use"), db.atomic():
            moved = Passkey.update(sign_count=sign_count, last_used_at=utcnow()).where(
                (Passkey.id == passkey.id) & forward
            ).execute()
        if not moved:
            log.warning("passkey %s of user %s: signature counter went backwards "
                        "(a cloned authenticator?); sign-in refused", passkey.public_id,
                        passkey.user.id)
            raise unauthorized(REFUSED)

    def _log_refusal(self, passkey: Passkey, credential: dict, refused: Exception) -> None:
        try:
            count = parse_authenticator_data(
                _b64(credential["response"]["authenticatorData"])).sign_count
        except BAD_INPUT:
            count = None
        if count is not None and (count or passkey.sign_count) and count <= passkey.sign_count:
            log.warning("passkey %s of user %s: signature counter went backwards (%s after %s): "
                        "a cloned authenticator?; sign-in refused", passkey.public_id,
                        passkey.user.id, count, passkey.sign_count)
        else:
            log.info("passkey %s refused: %s", passkey.public_id, refused)
