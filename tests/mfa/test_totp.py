"""TOTP: enrolment, the 403 login, verification once per step, drift, recovery codes, limits."""

from datetime import timedelta

import pytest

from service.db.models import Totp
from tests.support.inprocess import PASSWORD, assert_envelope, bearer, login, token_for
from tests.support.mfa import MFA, RECOVERY, TOTP, VERIFY, code


def verify(client, mfa_token: str, **proof):
    return client.simulate_post(VERIFY, json={"mfa_token": mfa_token, **proof})


def status(client, token: str) -> dict:
    answer = client.simulate_get(MFA, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json


def test_a_new_account_has_no_second_factor(client):
    assert status(client, token_for(client)) == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}


def test_enrolling_draws_a_secret_that_is_not_on_until_a_code_confirms_it(client, frozen_clock):
    token = token_for(client)
    begun = client.simulate_post(TOTP, json={"current_password": PASSWORD}, headers=bearer(token))
    assert begun.status_code == 200
    assert begun.json["otpauth_uri"].startswith("otpauth://totp/Widget%20API:")
    assert f"secret={begun.json['secret']}" in begun.json["otpauth_uri"]
    assert status(client, token)["totp"] is False

    confirmed = client.simulate_put(TOTP, json={"code": code(begun.json["secret"])}, headers=bearer(token))

    assert confirmed.status_code == 200
    assert len(set(confirmed.json["recovery_codes"])) == 10
    assert status(client, token) == {"totp": True, "recovery_codes_left": 10, "passkeys": 0}


def test_enrolling_with_a_wrong_password_answers_400_naming_it(client):
    answer = client.simulate_post(TOTP, json={"current_password": "not the password"},
                                  headers=bearer(token_for(client)))
    assert_envelope(answer, 400)
    assert list(answer.json["errors"]) == ["current_password"]


def test_a_wrong_confirmation_code_answers_400_naming_code_and_leaves_totp_off(client, frozen_clock):
    token = token_for(client)
    secret = client.simulate_post(TOTP, json={"current_password": PASSWORD},
                                  headers=bearer(token)).json["secret"]
    wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"
    answer = client.simulate_put(TOTP, json={"code": wrong}, headers=bearer(token))
    assert_envelope(answer, 400)
    assert list(answer.json["errors"]) == ["code"]
    assert status(client, token)["totp"] is False


def test_confirming_without_enrolment_answers_409(client):
    answer = client.simulate_put(TOTP, json={"code": "123456"}, headers=bearer(token_for(client)))
    assert_envelope(answer, 409)


def test_enrolling_again_while_on_answers_409(client, totp_user):
    answer = client.simulate_post(TOTP, json={"current_password": PASSWORD},
                                  headers=bearer(totp_user.token))
    assert_envelope(answer, 409)


def test_the_secret_is_sealed_at_rest(client, totp_user):
    stored = Totp.get().sealed_secret
    assert totp_user.secret not in stored and totp_user.secret.lower() not in stored.lower()


def test_login_with_totp_on_answers_403_with_an_mfa_token_and_no_tokens(client, totp_user):
    answer = login(client, totp_user.email)
    assert_envelope(answer, 403)
    assert answer.json["methods"] == ["totp", "recovery_code"]
    assert len(answer.json["mfa_token"]) == 43
    assert "access_token" not in answer.json and "refresh_token" not in answer.json
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_wrong_password_still_answers_the_usual_401(client, totp_user):
    answer = login(client, totp_user.email, "not the password")
    assert_envelope(answer, 401, "email or password does not match")
    assert "mfa_token" not in answer.json


def test_the_current_code_finishes_the_login_with_a_new_session(client, totp_user, mfa_token):
    answer = verify(client, mfa_token, code=code(totp_user.secret))
    assert answer.status_code == 200, answer.text
    assert answer.json["message"] == "successfully logged in"
    me = client.simulate_get("/api/v1/auth/user", headers=bearer(answer.json["access_token"]))
    assert me.json["email"] == totp_user.email


def test_the_form_body_works_as_json_does(client, totp_user, mfa_token):
    answer = client.simulate_post(
        VERIFY, body=f"mfa_token={mfa_token}&code={code(totp_user.secret)}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text


def test_an_mfa_token_works_once(client, totp_user, mfa_token):
    assert verify(client, mfa_token, code=code(totp_user.secret)).status_code == 200
    again = verify(client, mfa_token, code=code(totp_user.secret, 1))
    assert_envelope(again, 401, "Invalid or expired mfa_token. Please log in again.")


def test_a_code_is_accepted_once_and_a_replay_is_refused(client, totp_user):
    used = code(totp_user.secret)
    first = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, first, code=used).status_code == 200
    second = login(client, totp_user.email).json["mfa_token"]

    assert_envelope(verify(client, second, code=used), 401, "the second factor does not match")
    assert verify(client, second, code=code(totp_user.secret, 1)).status_code == 200


def test_a_code_older_than_one_used_is_refused(client, totp_user):
    first = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, first, code=code(totp_user.secret, 1)).status_code == 200
    second = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, second, code=code(totp_user.secret)).status_code == 401


@pytest.mark.parametrize("steps, accepted", [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_drift_is_allowed_either_side(client, totp_user, mfa_token, steps, accepted):
    answer = verify(client, mfa_token, code=code(totp_user.secret, steps))
    assert answer.status_code == (200 if accepted else 401)


def test_a_recovery_code_works_once_ever(client, totp_user):
    spent = totp_user.recovery_codes[0]
    first = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, first, recovery_code=spent.upper().replace("-", "")).status_code == 200
    assert status(client, totp_user.token)["recovery_codes_left"] == 9
    second = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, second, recovery_code=spent).status_code == 401


def test_new_recovery_codes_end_the_old_set(client, totp_user):
    renewed = client.simulate_post(RECOVERY, json={"current_password": PASSWORD},
                                   headers=bearer(totp_user.token))
    assert renewed.status_code == 200 and len(renewed.json["recovery_codes"]) == 10
    mfa_token = login(client, totp_user.email).json["mfa_token"]
    assert verify(client, mfa_token, recovery_code=totp_user.recovery_codes[1]).status_code == 401
    assert verify(client, mfa_token, recovery_code=renewed.json["recovery_codes"][0]).status_code == 200


def test_recovery_codes_need_a_second_factor(client):
    answer = client.simulate_post(RECOVERY, json={"current_password": PASSWORD},
                                  headers=bearer(token_for(client)))
    assert_envelope(answer, 409)


def test_turning_totp_off_drops_its_codes_and_login_answers_tokens_again(client, totp_user):
    off = client.simulate_delete(TOTP, json={"current_password": PASSWORD}, headers=bearer(totp_user.token))
    assert off.status_code == 204
    assert status(client, totp_user.token) == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}
    assert login(client, totp_user.email).status_code == 200


def test_turning_totp_off_needs_the_password(client, totp_user):
    off = client.simulate_delete(TOTP, json={"current_password": "not the password"},
                                 headers=bearer(totp_user.token))
    assert_envelope(off, 400)
    assert status(client, totp_user.token)["totp"] is True


def test_verification_takes_exactly_one_factor(client, totp_user, mfa_token):
    both = verify(client, mfa_token, code=code(totp_user.secret), recovery_code="abcd")
    assert_envelope(both, 400)
    assert set(both.json["errors"]) == {"code", "recovery_code"}
    assert_envelope(verify(client, mfa_token), 400)


def test_an_mfa_token_expires_after_five_minutes(client, totp_user, mfa_token, frozen_clock):
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=301))
    assert verify(client, mfa_token, code=code(totp_user.secret)).status_code == 401


def test_an_mfa_token_is_bound_to_the_address_family(client, totp_user, mfa_token):
    answer = client.simulate_post(VERIFY, json={"mfa_token": mfa_token, "code": code(totp_user.secret)},
                                  remote_addr="2001:db8::1")
    assert_envelope(answer, 401)
    assert verify(client, mfa_token, code=code(totp_user.secret)).status_code == 200


def test_an_unknown_mfa_token_answers_401(client, totp_user):
    assert verify(client, "A" * 43, code=code(totp_user.secret)).status_code == 401


def test_wrong_codes_count_as_failed_logins_and_lock_the_address(client_with, frozen_clock):
    client = client_with(LOGIN_MAX_FAILURES="3", AUTH_RATE_LIMIT="100/60")
    from tests.support.mfa import turn_on_totp
    from tests.support.inprocess import random_email
    email = random_email()
    secret, _ = turn_on_totp(client, token_for(client, email))
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=30))
    mfa_token = login(client, email).json["mfa_token"]
    wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"

    answers = [verify(client, mfa_token, code=wrong) for _ in range(3)]
    locked = verify(client, mfa_token, code=code(secret))

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert all(a.headers["RateLimit-Policy"] == '"address";q=100;w=60' for a in answers)
    retry_after = locked.headers["Retry-After"]
    assert_envelope(
        locked, 429,
        f"Too many failed logins for this account. Please try again in {retry_after} seconds.",
    )
    assert login(client, email).status_code == 429


def test_the_totp_secret_opens_after_a_key_rotation(client_with, database_url, frozen_clock):
    from tests.support.inprocess import random_email
    from tests.support.mfa import turn_on_totp
    from tests.support.settings import TEST_SECRET
    old = client_with()
    email = random_email()
    secret, _ = turn_on_totp(old, token_for(old, email))
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=30))
    new_key = "a-new-secret-key-of-at-least-thirty-two-bytes"
    rotated = client_with(SECRET_KEY=new_key, PREVIOUS_SECRET_KEYS=TEST_SECRET)
    mfa_token = login(rotated, email).json["mfa_token"]
    assert verify(rotated, mfa_token, code=code(secret)).status_code == 200


def test_a_used_secret_moves_to_the_current_key_and_one_with_no_key_left_is_refused(
        client_with, frozen_clock):
    from tests.support.inprocess import random_email
    from tests.support.mfa import turn_on_totp
    from tests.support.settings import TEST_SECRET
    old = client_with()
    email = random_email()
    secret, _ = turn_on_totp(old, token_for(old, email))
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=60))
    new_key = "a-new-secret-key-of-at-least-thirty-two-bytes"
    rotated = client_with(SECRET_KEY=new_key, PREVIOUS_SECRET_KEYS=TEST_SECRET)
    assert verify(rotated, login(rotated, email).json["mfa_token"], code=code(secret)).status_code == 200
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=60))
    rotated_alone = client_with(SECRET_KEY=new_key)
    answer = verify(rotated_alone, login(rotated_alone, email).json["mfa_token"], code=code(secret))
    assert answer.status_code == 200, answer.text
    frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=60))
    third = client_with(SECRET_KEY="yet-another-secret-key-of-thirty-two-bytes")
    assert_envelope(verify(third, login(third, email).json["mfa_token"], code=code(secret)), 401)


def test_no_log_line_shows_a_secret_a_code_or_an_mfa_token(client, frozen_clock):
    from tests.support.inprocess import random_email
    from tests.support.logs import captured_log
    from tests.support.mfa import turn_on_totp
    email = random_email()
    with captured_log() as lines:
        secret, codes = turn_on_totp(client, token_for(client, email))
        frozen_clock.freeze(frozen_clock.now() + timedelta(seconds=60))
        mfa_token = login(client, email).json["mfa_token"]
        wrong = verify(client, mfa_token, code=f"{(int(code(secret)) + 1) % 1_000_000:06d}")
        right = verify(client, mfa_token, recovery_code=codes[0])
    assert (wrong.status_code, right.status_code) == (401, 200)
    written = b"\n".join(lines())
    assert written
    for secret_value in (secret, codes[0], mfa_token, code(secret)):
        assert secret_value.encode() not in written
