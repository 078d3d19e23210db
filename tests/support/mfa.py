"""The second factor's calls tests repeat, and TOTP codes computed as an authenticator app does."""

import pyotp

from service.clock import clock
from tests.support.inprocess import PASSWORD, bearer

MFA = "/api/v1/auth/mfa"
TOTP = "/api/v1/auth/mfa/totp"
VERIFY = "/api/v1/auth/mfa/verify"
RECOVERY = "/api/v1/auth/mfa/recovery-codes"
STEP = 30


def code(secret: str, steps_from_now: int = 0, at: float | None = None) -> str:
    """The code an app shows `steps_from_now` steps from now (the service's clock, or `at`)."""
    moment = clock.now().timestamp() if at is None else at
    return pyotp.TOTP(secret).at(moment + steps_from_now * STEP)


def turn_on_totp(client, token: str) -> tuple[str, list[str]]:
    """Enrol and confirm TOTP through the API (in process); return the secret and recovery codes."""
    begun = client.simulate_post(TOTP, json={"current_password": PASSWORD}, headers=bearer(token))
    assert begun.status_code == 200, begun.text
    secret = begun.json["secret"]
    confirmed = client.simulate_put(TOTP, json={"code": code(secret)}, headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json["recovery_codes"]
