"""The gate every way of starting a session with a password passes: with a second factor on,
no tokens, but a 403 with an MFA token and the methods that can finish the login."""

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


def methods(user_id: int) -> list[str]:
    """The second factors `user_id` can finish a login with, in a fixed order; [] when none is on."""
    totp = Totp.select().where((Totp.user == user_id) & Totp.confirmed_at.is_null(False)).exists()
    passkey = Passkey.select().where(Passkey.user == user_id).exists()
    if not (totp or passkey):
        return []
    codes = RecoveryCode.select().where(
        (RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()
    ).exists()
    return [name for name, on in (("totp", totp), ("recovery_code", codes), ("passkey", passkey)) if on]


def require_second_factor(user: User, address: str) -> None:
    """Raise the 403 with a fresh MFA token when `user` has a second factor; return otherwise.

    Call it once the password is known to be right, before any session starts;
    `address` is the client as the limits count it (its family binds the token).
    """
    found = methods(user.id)
    if found:
        raise SecondFactorRequired(mfa_tokens.issue(user, address), found)
