"""A request with no bearer token gets the plain challenge, whatever empty form its header takes."""

import pytest

from tests.support.inprocess import assert_envelope

USER = "/api/v1/auth/user"
PLAIN_CHALLENGE = 'Bearer realm="registered_users@widget-api"'


# RFC 6750 §3.1: a request lacking authentication information gets no error code.
@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer    ", "bearer", "BEARER  ", "  Bearer  "]
)
def test_a_bearer_scheme_without_a_token_answers_401_with_the_plain_challenge(client, header):
    response = client.simulate_get(USER, headers={"Authorization": header})
    assert_envelope(response, 401, "Unauthorized")
    assert response.headers["WWW-Authenticate"] == PLAIN_CHALLENGE


def test_a_token_that_is_there_but_wrong_still_gets_invalid_token(client):
    response = client.simulate_get(USER, headers={"Authorization": "Bearer x"})
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
