"""TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1), as every authenticator app reads it.

A code is accepted for its own step or one step either side (clock drift), and
only for a step newer than the last one accepted: a code seen once, or one
older than a code already used, is refused (a replay).
"""

import hmac
import logging

import pyotp

from service.clock import clock, utcnow
from service.db.models import Totp, User
from service.errors import Conflict, ValidationFailed
from service.mfa import recovery
from service.mfa.locks import user_locked
from service.mfa.sealed import Sealer, Unreadable

log = logging.getLogger(__name__)

ISSUER = "Widget API"
STEP_SECONDS = 30
DRIFT_STEPS = 1
ALREADY_ON = "TOTP is already on; turn it off first to enrol another authenticator"
NOT_PENDING = "no TOTP enrolment is pending; start one with POST first"
NOT_ON = "TOTP is not on"
WRONG_CODE = "code does not match"


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def active(user_id: int) -> Totp | None:
    return Totp.get_or_none((Totp.user == user_id) & Totp.confirmed_at.is_null(False))


def begin(user: User, sealer: Sealer) -> tuple[str, str]:
    """Draw a new pending secret (replacing any pending one); return it and its otpauth URI."""
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    with user_locked(user.id, "a TOTP enrolment"):
        if active(user.id) is not None:
            raise Conflict(ALREADY_ON)
        Totp.delete().where(Totp.user == user.id).execute()
        Totp.create(user=user.id, sealed_secret=sealer.seal(secret, _owner(user.id)))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return secret, uri


def confirm(user: User, code: str, sealer: Sealer) -> list[str]:
    """Turn TOTP on when `code` matches the pending secret; return a fresh set of recovery codes."""
    with user_locked(user.id, "a TOTP confirmation"):
        pending = Totp.get_or_none((Totp.user == user.id) & Totp.confirmed_at.is_null())
        if pending is None:
            raise Conflict(ALREADY_ON if active(user.id) else NOT_PENDING)
        step = matching_step(sealer.open(pending.sealed_secret, _owner(user.id)), code, None)
        if step is None:
            raise ValidationFailed({"code": WRONG_CODE})
        Totp.update(confirmed_at=utcnow(), last_step=step).where(Totp.id == pending.id).execute()
        return recovery.replace(user.id)


def disable(user: User) -> None:
    """Turn TOTP off; its recovery codes go with it."""
    with user_locked(user.id, "turning TOTP off"):
        if not Totp.delete().where(Totp.user == user.id).execute():
            raise Conflict(NOT_ON)
        recovery.remove(user.id)


def verify(user_id: int, code: str, sealer: Sealer) -> bool:
    """Accept `code` once: its step is recorded, so neither it nor an older code works again.

    One conditional update records the step: of two requests racing with the
    same code, exactly one wins.
    """
    row = active(user_id)
    if row is None:
        return False
    try:
        secret = sealer.open(row.sealed_secret, _owner(user_id))
    except Unreadable as lost:
        log.error("the TOTP secret of user %s cannot be read: %s", user_id, lost)
        return False
    step = matching_step(secret, code, row.last_step)
    if step is None:
        return False
    changes = {Totp.last_step: step}
    if not sealer.is_current(row.sealed_secret):  # sealed under a previous key: move it on
        changes[Totp.sealed_secret] = sealer.seal(secret, _owner(user_id))
    newer = Totp.last_step.is_null() | (Totp.last_step < step)
    return bool(Totp.update(changes).where((Totp.id == row.id) & newer).execute())


def matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The step within the drift that `code` belongs to and that is newer than `last_step`."""
    totp, now = pyotp.TOTP(secret), current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _owner(user_id: int) -> str:
    return f"totp:{user_id}"
