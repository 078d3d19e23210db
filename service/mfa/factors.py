"""What a user can do with their factors: see them, renew recovery codes, and prove one."""

import logging

from service.auth.accounts import WRONG_PASSWORD
from service.auth.emails import normalise_email
from service.auth.challenges import unauthorized
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.db.models import Ceremony, MfaToken, Passkey, RecoveryCode, Totp, User
from service.errors import Conflict, NotFound, ValidationFailed
from service.mfa import gate, recovery, totp
from service.mfa.locks import user_locked
from service.mfa.sealed import Sealer

log = logging.getLogger(__name__)

NO_FACTOR = "no second factor is on: turn on TOTP or add a passkey first"
WRONG_FACTOR = "the second factor does not match"
PROOFS = ("code", "recovery_code", "credential")
ONE_PROOF = "send exactly one of code, recovery_code, or ceremony with credential"


def status(user_id: int) -> dict:
    return {
        "totp": totp.active(user_id) is not None,
        "recovery_codes_left": recovery.left(user_id),
        "passkeys": Passkey.select().where(Passkey.user == user_id).count(),
    }


def check_password(user: User, password: str, passwords: Passwords, throttle: Throttle,
                   address: str) -> None:
    """Refuse a wrong current password (400 naming it), counted as a failed login is."""
    reservation = throttle.reserve_login(user.email, address)
    stored = User.get_or_none(User.id == user.id)
    if not passwords.verify(stored.password_hash if stored else None, password):
        raise ValidationFailed({"current_password": WRONG_PASSWORD})
    throttle.succeeded(reservation)


def new_recovery_codes(user: User) -> list[str]:
    """A new set of recovery codes for a user with a second factor; the old set dies."""
    with user_locked(user.id, "new recovery codes"):
        if not gate.methods(user.id):
            raise Conflict(NO_FACTOR)
        return recovery.replace(user.id)


def proof_of(body: dict) -> str:
    """Which one proof a verification carries; 400 naming them when not exactly one."""
    sent = [name for name in PROOFS if name in body]
    if len(sent) != 1:
        raise ValidationFailed({name: ONE_PROOF for name in sent or PROOFS})
    if sent == ["credential"] and "ceremony" not in body:
        raise ValidationFailed({"ceremony": "ceremony is required with credential"})
    return sent[0]


def verify_code(user: User, kind: str, value: str, sealer: Sealer) -> None:
    """Accept a TOTP or recovery code once; 401 otherwise."""
    accepted = totp.verify(user.id, value, sealer) if kind == "code" else recovery.use(user.id, value)
    if not accepted:
        raise unauthorized(WRONG_FACTOR)


def remove_all(email: str, operator: str) -> dict:
    """Remove every second factor of the user with `email` (who lost them all): TOTP, recovery
    codes, passkeys, and logins and ceremonies awaiting one. Logged as an audit record."""
    user = User.get_or_none(User.email == normalise_email(email))
    if user is None:
        raise NotFound(f"no user has the email {email}")
    with user_locked(user.id, "the removal of second factors"):
        removed = {  # in the lock order of the MFA tables
            "totp": Totp.delete().where(Totp.user == user.id).execute(),
            "recovery_codes": RecoveryCode.delete().where(RecoveryCode.user == user.id).execute(),
        }
        MfaToken.delete().where(MfaToken.user == user.id).execute()
        removed["passkeys"] = Passkey.delete().where(Passkey.user == user.id).execute()
        Ceremony.delete().where(Ceremony.user == user.id).execute()
    log.warning(
        "audit: every second factor of user %s removed by operator %s "
        "(totp %d, recovery codes %d, passkeys %d)", user.public_id, operator,
        removed["totp"], removed["recovery_codes"], removed["passkeys"],
    )
    return removed
