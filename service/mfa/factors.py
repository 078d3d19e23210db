"""What a user can do with their factors: see them, renew recovery codes, and prove one."""

from service.auth.accounts import WRONG_PASSWORD
from service.auth.challenges import unauthorized
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.db.models import Passkey, User
from service.errors import Conflict, ValidationFailed
from service.mfa import gate, recovery, totp
from service.mfa.locks import user_locked
from service.mfa.sealed import Sealer

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
