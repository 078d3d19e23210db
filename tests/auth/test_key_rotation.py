"""Key rotation: tokens name their key by a kid; previous keys verify until they are dropped."""

from service.auth.tokens import INVALID, key_id
from tests.support.inprocess import bearer, login, register
from tests.support.settings import TEST_SECRET
from tests.support.tokens import header_of, relabel

USER = "/api/v1/auth/user"
OLD_KEY = "the-previous-signing-key-of-32-bytes-or-more"


def token_signed_with_old_key(client_with) -> str:
    """Register a user while OLD_KEY is the signing key; return their token."""
    return register(client_with(SECRET_KEY=OLD_KEY), "user@example.com").json["access_token"]


# RFC 7515 §4.1.4 and RFC 8725 §3.10: the kid is a one-way name of the key, never the key.
def test_issued_tokens_name_the_current_key_without_revealing_it(client):
    register(client, "user@example.com")
    header = header_of(login(client, "user@example.com").json["access_token"])
    assert header["kid"] == key_id(TEST_SECRET)
    assert header["kid"] not in TEST_SECRET


def test_rotation_keeps_tokens_of_the_previous_key_valid(client_with):
    token = token_signed_with_old_key(client_with)
    rotated = client_with(PREVIOUS_SECRET_KEYS=OLD_KEY)
    assert rotated.simulate_get(USER, headers=bearer(token)).status_code == 200


def test_rotation_signs_new_tokens_with_the_new_key(client_with):
    token_signed_with_old_key(client_with)
    rotated = client_with(PREVIOUS_SECRET_KEYS=OLD_KEY)
    fresh = login(rotated, "user@example.com").json["access_token"]
    assert header_of(fresh)["kid"] == key_id(TEST_SECRET)


# RFC 8725 §3.10: dropping a key from the configuration revokes every token it signed.
def test_dropping_the_previous_key_revokes_its_tokens(client_with):
    token = token_signed_with_old_key(client_with)
    dropped = client_with()
    response = dropped.simulate_get(USER, headers=bearer(token))
    assert response.status_code == 401
    assert response.json["message"] == INVALID


# RFC 8725 §3.10: the kid selects exactly one key; a token is never tried against the others.
def test_a_previous_key_cannot_verify_a_token_naming_the_current_key(client_with):
    old = token_signed_with_old_key(client_with)
    rotated = client_with(PREVIOUS_SECRET_KEYS=OLD_KEY)
    assert rotated.simulate_get(USER, headers=bearer(relabel(old, OLD_KEY))).status_code == 200
    misnamed = relabel(old, OLD_KEY, kid=key_id(TEST_SECRET))
    assert rotated.simulate_get(USER, headers=bearer(misnamed)).status_code == 401


def test_token_without_kid_is_checked_against_the_current_key_only(client_with):
    old = token_signed_with_old_key(client_with)
    rotated = client_with(PREVIOUS_SECRET_KEYS=OLD_KEY)
    current = relabel(old, TEST_SECRET, drop=("kid",))
    assert rotated.simulate_get(USER, headers=bearer(current)).status_code == 200
    previous = relabel(old, OLD_KEY, drop=("kid",))
    assert rotated.simulate_get(USER, headers=bearer(previous)).status_code == 401
