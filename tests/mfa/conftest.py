"""Fixtures for the second factor's tests: a user with TOTP on, at a frozen moment."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.support.inprocess import login, random_email, token_for
from tests.support.mfa import turn_on_totp


@dataclass
class TotpUser:
    email: str
    token: str
    secret: str
    recovery_codes: list


@pytest.fixture
def totp_user(client, frozen_clock) -> TotpUser:
    """A user who turned TOTP on at the frozen moment; the clock then moves two steps on, so
    every code within the drift is unused."""
    email = random_email()
    token = token_for(client, email)
    secret, codes = turn_on_totp(client, token)
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=60))
    return TotpUser(email, token, secret, codes)


@pytest.fixture
def mfa_token(client, totp_user) -> str:
    """The mfa_token of a password login of `totp_user`."""
    answer = login(client, totp_user.email)
    assert answer.status_code == 403, answer.text
    return answer.json["mfa_token"]
