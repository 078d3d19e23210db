"""The gate every way of starting a session with a password passes: with a second factor on,
no tokens, but a 403 with an MFA token and the methods that can finish the login."""

from peewee import fn

from service.db.models import Passkey, RecoveryCode, Totp, User
from service.errors import Forbidden
from service.mfa import mfa_tokens

REQUIRED = "A second factor is required: send one to /api/v1/auth/mfa/verify with the mfa_token"


class SecondFactorRequired(Forbidden):
    """A 403 whose envelope carries the MFA token and the methods, and never a token."""

    def __init__(self, mfa_token: str, methods: list[str]):
        super().__init__(REQUIRED)
        self.mfa_token = mfa_token
        self.methods = methods

    def envelope(self) -> dict:
        return {**super().envelope(), "mfa_token": self.mfa_token, "methods": self.methods}


def method_checks(user_id) -> list:
    """Whether each second factor is on for `user_id` (an id or a column), as expressions in
    METHODS' order, for one query to select with whatever else it reads."""
    totp = Totp.select().where((Totp.user == user_id) & Totp.confirmed_at.is_null(False))
    codes = RecoveryCode.select().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null())
    passkey = Passkey.select().where(Passkey.user == user_id)
    return [fn.EXISTS(query) for query in (totp, codes, passkey)]


METHODS = ("totp", "recovery_code", "passkey")


def methods_of(flags) -> list[str]:
    """The methods that can finish a login, from method_checks' values; [] when no factor is on
    (recovery codes alone are none)."""
    totp, _, passkey = flags
    if not (totp or passkey):
        return []
    return [name for name, on in zip(METHODS, flags) if on]


def methods(user_id: int) -> list[str]:
    """The second factors `user_id` can finish a login with, in a fixed order; [] when none is on."""
    flags = User.select(*method_checks(User.id)).where(User.id == user_id).tuples().first()
    return methods_of(flags) if flags else []


def require_second_factor(user: User, address: str, found: list[str] | None = None) -> None:
    """Raise the 403 with a fresh MFA token when `user` has a second factor; return otherwise.

    Call it once the password is known to be right, before any session starts;
    `address` is the client as the limits count it (its family binds the token);
    `found`, the user's methods when read already (with the user's row).
    """
    found = methods(user.id) if found is None else found
    if found:
        raise SecondFactorRequired(mfa_tokens.issue(user, address), found)
