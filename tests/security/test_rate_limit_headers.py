"""Clients see the per-address limit of register and login coming: RateLimit-Policy and RateLimit.

The fields follow the IETF httpapi RateLimit header fields draft: the policy
`"address";q=<attempts>;w=<seconds>` and the state `"address";r=<left>;t=<seconds to reset>`.
The testing profile validates every response against the spec, so these also
hold the headers to the patterns it declares.
"""

import re

from tests.support.inprocess import assert_envelope, login, register

STATE = re.compile(r'"address";r=(\d+);t=(\d+)')
ORIGIN = "https://app.example.com"


def quota_left(response) -> tuple[int, int]:
    """The `r` (attempts left) and `t` (seconds to reset) of a response's RateLimit field."""
    state = STATE.fullmatch(response.headers["RateLimit"])
    assert state, response.headers["RateLimit"]
    return int(state[1]), int(state[2])


# OWASP API4:2023: a client can see a limit coming instead of discovering it by a 429.
def test_each_counted_attempt_shows_the_quota_and_what_is_left_of_it(client_with):
    client = client_with(AUTH_RATE_LIMIT="3/60")

    answers = [
        register(client, "user@example.com"),
        login(client, "user@example.com", "wrong password!"),
        login(client, "user@example.com"),
    ]

    assert [answer.status_code for answer in answers] == [201, 401, 200]
    assert {answer.headers["RateLimit-Policy"] for answer in answers} == {'"address";q=3;w=60'}
    assert [quota_left(answer)[0] for answer in answers] == [2, 1, 0]
    assert all(59 <= quota_left(answer)[1] <= 60 for answer in answers)


def test_a_conflict_still_counts_and_shows_the_quota(client_with):
    client = client_with(AUTH_RATE_LIMIT="5/60")
    register(client, "user@example.com")

    again = register(client, "user@example.com")

    assert again.status_code == 409
    assert quota_left(again)[0] == 3


def test_the_429_of_the_address_limit_shows_a_spent_quota_resetting_with_retry_after(client_with):
    client = client_with(AUTH_RATE_LIMIT="1/60")
    register(client, "user@example.com")

    refused = login(client, "user@example.com")

    assert_envelope(
        refused,
        429,
        f"Too many attempts from this address. Please try again in {quota_left(refused)[1]} seconds.",
    )
    assert refused.headers["RateLimit-Policy"] == '"address";q=1;w=60'
    assert quota_left(refused) == (0, int(refused.headers["Retry-After"]))


def test_a_request_the_gate_refuses_is_not_counted_and_shows_no_quota(client_with):
    client = client_with(AUTH_RATE_LIMIT="2/60")

    refused = register(client, "first last")

    assert refused.status_code == 400
    assert "RateLimit" not in refused.headers
    assert quota_left(register(client, "user@example.com"))[0] == 1


def test_without_an_address_limit_no_quota_is_announced(client_with):
    client = client_with(AUTH_RATE_LIMIT="0")

    registered = register(client, "user@example.com")

    assert registered.status_code == 201
    assert "RateLimit" not in registered.headers
    assert "RateLimit-Policy" not in registered.headers


def test_browsers_may_read_the_quota(client_with):
    client = client_with(AUTH_RATE_LIMIT="3/60", CORS_ORIGINS=ORIGIN)

    registered = client.simulate_post(
        "/api/v1/auth/register",
        json={"email": "user@example.com", "password": "correct horse battery"},
        headers={"Origin": ORIGIN},
    )

    assert registered.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = registered.headers["Access-Control-Expose-Headers"].lower().replace(" ", "")
    assert {"ratelimit", "ratelimit-policy"} <= set(exposed.split(","))
