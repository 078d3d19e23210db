"""Password guessing: failed logins lock an account, and attempts per client address are limited.

Each test builds its app with the limits it exercises (the rest of the suite
runs with AUTH_RATE_LIMIT=0).
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from service.auth.throttle import ACCOUNT_CEILING_FACTOR, account_key, hit
from service.db.connection import bind
from service.clock import utcnow
from service.db.models import AuthThrottle
from tests.support.databases import empty_tables
from tests.support.gunicorn import Gunicorn, serve
from tests.support.inprocess import PASSWORD, assert_envelope, login, register

LOCKED = "Too many failed logins for this account."
LIMITED = "Too many attempts from this address."
WRONG = "wrong password!"


def assert_throttled(response, reason: str) -> int:
    """Assert a 429 with the envelope, a usable Retry-After and a message saying the same wait;
    return its seconds."""
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert_envelope(response, 429, try_again(reason, retry_after))
    return retry_after


def try_again(reason: str, seconds: int) -> str:
    """The message of a 429: why, and when to try again."""
    wait = "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"{reason} Please try again in {wait}."


def fail_logins(client, email: str, times: int, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        assert login_from(client, address, email, WRONG).status_code == 401


def login_from(client, address: str, email: str, password: str = PASSWORD):
    return client.simulate_post(
        "/api/v1/auth/login", json={"email": email, "password": password}, remote_addr=address
    )


def reach_account_ceiling(client, email: str, max_failures: int) -> None:
    """Fail from as many addresses as it takes, each up to its own limit."""
    for n in range(ACCOUNT_CEILING_FACTOR):
        fail_logins(client, email, max_failures, f"198.51.100.{n + 1}")


@pytest.fixture
def locking(client_with):
    """A client whose accounts lock after 3 failures for 900 s, with no address limit."""
    client = client_with(LOGIN_MAX_FAILURES="3", LOGIN_FAILURE_WINDOW_SECONDS="900")
    register(client, "user@example.com")
    return client


# NIST SP 800-63B §5.2.2 (rate limiting) and OWASP Authentication Cheat Sheet (account lockout).
def test_failed_logins_past_the_limit_lock_the_account(locking):
    fail_logins(locking, "user@example.com", 3)
    retry_after = assert_throttled(login(locking, "user@example.com", WRONG), LOCKED)
    assert 899 <= retry_after <= 900


# NIST SP 800-63B §5.2.2: while locked, the right password is refused too, so guessing gains nothing.
def test_locked_account_refuses_the_right_password(locking):
    fail_logins(locking, "user@example.com", 3)
    assert_throttled(login(locking, "user@example.com", PASSWORD), LOCKED)


# OWASP Authentication Cheat Sheet (no user enumeration): an unknown email locks exactly like a real one.
def test_unknown_email_locks_like_a_registered_one(locking):
    fail_logins(locking, "nobody@example.com", 3)
    unknown = login(locking, "nobody@example.com", WRONG)
    fail_logins(locking, "user@example.com", 3)
    known = login(locking, "user@example.com", WRONG)
    assert unknown.status_code == known.status_code == 429
    assert unknown.json == known.json


# NIST SP 800-63B §5.2.2: changing the case of the email does not buy fresh guesses.
def test_account_lock_holds_for_every_spelling_of_the_email(locking):
    fail_logins(locking, "user@example.com", 3)
    assert_throttled(login(locking, "USER@Example.com", PASSWORD), LOCKED)


# OWASP Authentication Cheat Sheet (account lockout as a denial of service): failures from one
# address never stop the right password from another.
def test_failures_from_one_address_leave_the_right_password_working_from_another(locking):
    fail_logins(locking, "user@example.com", 3)
    assert_throttled(login(locking, "user@example.com", PASSWORD), LOCKED)
    assert login_from(locking, "192.0.2.7", "user@example.com").status_code == 200


def test_login_from_another_address_does_not_unlock_the_failing_one(locking):
    fail_logins(locking, "user@example.com", 3)
    assert login_from(locking, "192.0.2.7", "user@example.com").status_code == 200
    assert_throttled(login(locking, "user@example.com", PASSWORD), LOCKED)


@pytest.fixture
def ceiling(client_with):
    """Accounts allow 2 failures per address and 20 across all addresses in 900 s."""
    client = client_with(LOGIN_MAX_FAILURES="2", LOGIN_FAILURE_WINDOW_SECONDS="900")
    register(client, "user@example.com")
    reach_account_ceiling(client, "user@example.com", 2)
    return client


# OWASP Authentication Cheat Sheet: a guesser spread over many addresses is bounded per account.
def test_past_the_account_ceiling_each_address_gets_a_single_guess(ceiling):
    assert login_from(ceiling, "203.0.113.1", "user@example.com", WRONG).status_code == 401
    assert_throttled(login_from(ceiling, "203.0.113.1", "user@example.com", WRONG), LOCKED)


def test_past_the_account_ceiling_an_address_that_has_failed_is_refused_the_right_password(ceiling):
    retry_after = assert_throttled(login_from(ceiling, "198.51.100.1", "user@example.com"), LOCKED)
    assert 899 <= retry_after <= 900


# OWASP Authentication Cheat Sheet: the ceiling slows guessing but never locks the owner out.
def test_past_the_account_ceiling_the_right_password_from_a_fresh_address_logs_in(ceiling):
    assert login_from(ceiling, "203.0.113.1", "user@example.com").status_code == 200


def test_a_successful_login_does_not_lift_the_account_ceiling(ceiling):
    assert login_from(ceiling, "203.0.113.1", "user@example.com").status_code == 200
    assert login_from(ceiling, "203.0.113.2", "user@example.com", WRONG).status_code == 401
    assert_throttled(login_from(ceiling, "203.0.113.2", "user@example.com", WRONG), LOCKED)


def account_failures(email: str) -> int:
    return AuthThrottle.get(AuthThrottle.key == account_key(email)).hits


def test_a_successful_login_gives_back_only_its_own_reservation(locking):
    fail_logins(locking, "user@example.com", 2)
    assert login_from(locking, "192.0.2.7", "user@example.com").status_code == 200
    assert account_failures("user@example.com") == 2


def test_an_attempt_refused_at_the_ceiling_is_given_back(ceiling):
    assert login_from(ceiling, "203.0.113.1", "user@example.com", WRONG).status_code == 401
    before = account_failures("user@example.com")
    assert_throttled(login_from(ceiling, "203.0.113.1", "user@example.com", WRONG), LOCKED)
    assert account_failures("user@example.com") == before


def test_refused_attempts_do_not_count_toward_the_account_ceiling(client_with):
    client = client_with(LOGIN_MAX_FAILURES="2")
    register(client, "user@example.com")
    fail_logins(client, "user@example.com", 2, "198.51.100.1")
    for _ in range(2 * ACCOUNT_CEILING_FACTOR):
        assert_throttled(login_from(client, "198.51.100.1", "user@example.com", WRONG), LOCKED)
    fail_logins(client, "user@example.com", 2, "198.51.100.2")


def test_lock_of_one_account_leaves_others_alone(locking):
    register(locking, "other@example.com")
    fail_logins(locking, "user@example.com", 3)
    assert login(locking, "other@example.com").status_code == 200


def test_successful_login_resets_the_failure_count(locking):
    fail_logins(locking, "user@example.com", 2)
    assert login(locking, "user@example.com").status_code == 200
    fail_logins(locking, "user@example.com", 2)
    assert login(locking, "user@example.com").status_code == 200


# NIST SP 800-63B §5.2.2 (a lockout must not become a permanent denial of service): it ends after Retry-After.
def test_account_lock_expires_after_retry_after(client_with):
    client = client_with(LOGIN_MAX_FAILURES="2", LOGIN_FAILURE_WINDOW_SECONDS="2")
    register(client, "user@example.com")
    fail_logins(client, "user@example.com", 2)
    time.sleep(assert_throttled(login(client, "user@example.com"), LOCKED))
    assert login(client, "user@example.com").status_code == 200


# NIST SP 800-63B §5.2.2: spreading guesses over workers or hosts does not multiply them.
def test_account_lock_is_shared_by_every_worker(client_with):
    """Two apps on one database stand for two workers or two hosts."""
    first = client_with(LOGIN_MAX_FAILURES="3")
    second = client_with(LOGIN_MAX_FAILURES="3")
    register(first, "user@example.com")
    fail_logins(first, "user@example.com", 2)
    fail_logins(second, "user@example.com", 1)
    assert_throttled(login(first, "user@example.com"), LOCKED)


def test_failures_are_stored_without_the_email(locking):
    fail_logins(locking, "user@example.com", 1)
    assert all("user@example.com" not in row.key for row in AuthThrottle.select())


# OWASP API4:2023 (unrestricted resource consumption) and NIST SP 800-63B §5.2.2: attempts per address.
def test_attempts_past_the_address_limit_answer_429(client_with):
    client = client_with(AUTH_RATE_LIMIT="3/60")
    register(client, "user@example.com")
    login(client, "user@example.com")
    login(client, "user@example.com", WRONG)
    retry_after = assert_throttled(login(client, "user@example.com"), LIMITED)
    assert 59 <= retry_after <= 60


# OWASP API6:2023 (unrestricted access to sensitive business flows): mass registration is limited too.
def test_address_limit_counts_registrations_too(client_with):
    client = client_with(AUTH_RATE_LIMIT="2/60")
    register(client)
    register(client)
    assert_throttled(register(client), LIMITED)


def test_address_limit_applies_per_address(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/60")
    register(client)
    assert client.simulate_post(
        "/api/v1/auth/register",
        json={"email": "second@example.com", "password": PASSWORD},
        remote_addr="192.0.2.7",
    ).status_code == 201


def test_address_limit_lifts_after_retry_after(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/2")
    register(client, "user@example.com")
    time.sleep(assert_throttled(login(client, "user@example.com"), LIMITED))
    assert login(client, "user@example.com").status_code == 200


def attempt_from(client, peer: str, forwarded_for: str):
    return client.simulate_post(
        "/api/v1/auth/register",
        json={"email": f"u{time.monotonic_ns()}@example.com", "password": PASSWORD},
        remote_addr=peer,
        headers={"X-Forwarded-For": forwarded_for},
    )


# OWASP Authentication Cheat Sheet: a forged X-Forwarded-For must not buy a fresh budget.
def test_forwarded_for_from_an_untrusted_peer_is_ignored(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/60")
    assert attempt_from(client, "198.51.100.1", "203.0.113.1").status_code == 201
    assert_throttled(attempt_from(client, "198.51.100.1", "203.0.113.2"), LIMITED)


def test_forwarded_for_from_a_trusted_proxy_names_the_client(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/60", TRUSTED_PROXIES="10.0.0.0/8")
    assert attempt_from(client, "10.0.0.5", "203.0.113.1").status_code == 201
    assert attempt_from(client, "10.0.0.5", "203.0.113.2").status_code == 201
    assert_throttled(attempt_from(client, "10.0.0.6", "203.0.113.1"), LIMITED)


# OWASP Authentication Cheat Sheet: entries a client prepends to X-Forwarded-For are not believed.
def test_forwarded_for_entries_spoofed_left_of_the_proxy_are_ignored(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/60", TRUSTED_PROXIES="10.0.0.5")
    assert attempt_from(client, "10.0.0.5", "1.1.1.1, 203.0.113.1").status_code == 201
    assert_throttled(attempt_from(client, "10.0.0.5", "2.2.2.2, 203.0.113.1"), LIMITED)


# OWASP ASVS 2.2.1 (anti-automation): racing requests cannot slip failures past the counter.
def test_concurrent_failures_are_all_counted(client_with, database):
    """The counter is one atomic upsert: racing workers cannot lose a failure between them."""
    client_with()

    def fail(_):
        with database.connection_context():
            return hit("account:race", 900, utcnow()).hits

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(fail, range(16)))
    assert counts[-1] == 16
    window_end = AuthThrottle.get(AuthThrottle.key == "account:race").window_ends_at
    assert window_end > utcnow() + timedelta(seconds=800)


@pytest.fixture
def gunicorn(database_url, database):
    """Start a real gunicorn on an emptied database with the given workers and environment."""
    bind(database)
    empty_tables(database)
    servers = []

    def start(workers: int, **env) -> Gunicorn:
        servers.append(serve(database_url, workers=workers, **env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def race(url: str, body: dict, requests_count: int) -> Counter:
    """Send `requests_count` identical posts at once, each on its own connection; count the statuses."""
    start = threading.Barrier(requests_count)

    def post(_):
        start.wait()
        return requests.post(url, json=body, headers={"Connection": "close"}, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=requests_count) as pool:
        return Counter(pool.map(post, range(requests_count)))


# OWASP ASVS 2.2.1 (anti-automation): an attempt is counted before its password is verified, so
# concurrent guesses over several workers never verify more passwords than the limit.
@pytest.mark.server
def test_concurrent_wrong_passwords_verify_no_more_than_the_limit(gunicorn):
    server = gunicorn(6, LOGIN_MAX_FAILURES="3", AUTH_RATE_LIMIT="0")
    credentials = {"email": "user@example.com", "password": PASSWORD}
    assert requests.post(server.url + "/api/v1/auth/register", json=credentials, timeout=10).ok
    guesses = race(server.url + "/api/v1/auth/login", {**credentials, "password": WRONG}, 10)
    assert guesses == {401: 3, 429: 7}


def test_the_429_says_in_its_message_when_to_try_again(locking, frozen_clock):
    fail_logins(locking, "user@example.com", 3)

    refused = login(locking, "user@example.com")

    assert refused.headers["Retry-After"] == "900"
    assert refused.json["message"] == (
        "Too many failed logins for this account. Please try again in 900 seconds."
    )
