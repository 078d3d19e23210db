"""TOTP and the 403 login over real HTTP to gunicorn's workers, codes computed at the test's clock."""

import time

import pyotp
import pytest

from tests.support.databases import empty_tables
from tests.support.gunicorn import serve, serve_unlimited
from tests.support.inprocess import PASSWORD, bearer, random_email
from tests.support.mfa import TOTP, VERIFY
from tests.support.over_http import TIMEOUT, http, login, register

pytestmark = pytest.mark.server
API = "/api/v1"


@pytest.fixture(scope="module")
def server(database_url, database):
    running = serve_unlimited(database_url, workers=2)
    yield running
    running.stop()


@pytest.fixture
def base(server, database) -> str:
    empty_tables(database)
    return server.url


def now_code(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` steps on), by this machine's clock."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def wrong_code(secret: str) -> str:
    """A code no step within the drift shows."""
    valid = {now_code(secret, steps) for steps in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)


def verify(base: str, mfa_token: str, **proof):
    return http().post(base + VERIFY, json={"mfa_token": mfa_token, **proof}, timeout=TIMEOUT)


def test_enable_totp_then_log_in_with_a_code_over_http(base):
    email = random_email()
    token = register(base, email).json()["access_token"]
    begun = http().post(base + TOTP, data={"current_password": PASSWORD}, headers=bearer(token),
                        timeout=TIMEOUT)
    assert begun.status_code == 200, begun.text
    secret = begun.json()["secret"]
    confirmed = http().put(base + TOTP, data={"code": now_code(secret)}, headers=bearer(token),
                           timeout=TIMEOUT)
    assert confirmed.status_code == 200, confirmed.text
    recovery_codes = confirmed.json()["recovery_codes"]

    refused = login(base, email)
    assert refused.status_code == 403 and "access_token" not in refused.json()
    assert refused.json()["methods"] == ["totp", "recovery_code"]
    mfa_token = refused.json()["mfa_token"]
    next_code = now_code(secret, 1)  # the confirmation spent this step's code
    finished = verify(base, mfa_token, code=next_code)
    assert finished.status_code == 200, finished.text
    me = http().get(base + API + "/auth/user", headers=bearer(finished.json()["access_token"]),
                    timeout=TIMEOUT)
    assert me.json()["email"] == email

    replay = verify(base, login(base, email).json()["mfa_token"], code=next_code)
    assert replay.status_code == 401

    by_recovery = verify(base, login(base, email).json()["mfa_token"], recovery_code=recovery_codes[0])
    assert by_recovery.status_code == 200
    again = verify(base, login(base, email).json()["mfa_token"], recovery_code=recovery_codes[0])
    assert again.status_code == 401


def test_a_wrong_password_is_401_before_any_second_factor_over_http(base):
    email = random_email()
    token = register(base, email).json()["access_token"]
    secret = http().post(base + TOTP, json={"current_password": PASSWORD}, headers=bearer(token),
                         timeout=TIMEOUT).json()["secret"]
    assert http().put(base + TOTP, json={"code": now_code(secret)}, headers=bearer(token),
                      timeout=TIMEOUT).status_code == 200
    wrong = http().post(base + API + "/auth/login", json={"email": email, "password": "wrong one!"},
                        timeout=TIMEOUT)
    assert wrong.status_code == 401 and "mfa_token" not in wrong.json()


def test_wrong_codes_are_throttled_over_http(database_url, database):
    empty_tables(database)
    running = serve(database_url, workers=2, LOGIN_MAX_FAILURES="2", AUTH_RATE_LIMIT="50/60")
    try:
        base = running.url
        email = random_email()
        token = register(base, email).json()["access_token"]
        secret = http().post(base + TOTP, json={"current_password": PASSWORD}, headers=bearer(token),
                             timeout=TIMEOUT).json()["secret"]
        assert http().put(base + TOTP, json={"code": now_code(secret)}, headers=bearer(token),
                          timeout=TIMEOUT).status_code == 200
        mfa_token = login(base, email).json()["mfa_token"]
        answers = [verify(base, mfa_token, code=wrong_code(secret)) for _ in range(3)]
        assert [a.status_code for a in answers[:2]] == [401, 401], [a.text for a in answers]
        assert answers[2].status_code == 429 and "Retry-After" in answers[2].headers
        assert all("RateLimit" in a.headers for a in answers)
    finally:
        running.stop()


def test_passkeys_register_sign_in_and_refuse_over_http(base):
    from tests.support.authenticator import Authenticator
    passkeys = base + API + "/auth/passkeys"
    authenticator = Authenticator("http://localhost:8000")
    email = random_email()
    token = register(base, email).json()["access_token"]
    started = http().post(passkeys + "/registration", headers=bearer(token), timeout=TIMEOUT).json()
    added = http().post(passkeys, headers=bearer(token), timeout=TIMEOUT, json={
        "ceremony": started["ceremony"], "credential": authenticator.create(started["options"]),
        "name": "Phone"})
    assert added.status_code == 201, added.text

    sign_in = http().post(passkeys + "/authentication", timeout=TIMEOUT).json()
    assertion = authenticator.get(sign_in["options"])
    logged_in = http().post(passkeys + "/login", timeout=TIMEOUT,
                            json={"ceremony": sign_in["ceremony"], "credential": assertion})
    assert logged_in.status_code == 200, logged_in.text
    replayed = http().post(passkeys + "/login", timeout=TIMEOUT,
                           json={"ceremony": sign_in["ceremony"], "credential": assertion})
    assert replayed.status_code == 401

    mfa_token = login(base, email).json()["mfa_token"]
    second = http().post(passkeys + "/authentication", json={"mfa_token": mfa_token},
                         timeout=TIMEOUT).json()
    finished = verify(base, mfa_token, ceremony=second["ceremony"],
                      credential=authenticator.get(second["options"]))
    assert finished.status_code == 200, finished.text

    wrong_origin = http().post(passkeys + "/authentication", timeout=TIMEOUT).json()
    refused = http().post(passkeys + "/login", timeout=TIMEOUT, json={
        "ceremony": wrong_origin["ceremony"],
        "credential": authenticator.get(wrong_origin["options"], origin="http://evil.example.com")})
    assert refused.status_code == 401
