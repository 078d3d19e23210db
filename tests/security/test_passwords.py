"""Passwords as NIST SP 800-63B §5.1.1.2 asks: any Unicode, NFKC-normalised, bounded."""

import unicodedata

from service.auth.passwords import Passwords
from tests.support.inprocess import login, register

DECOMPOSED = "cafe\u0301-au-lait"   # "café" typed as e + combining acute
COMPOSED = "caf\u00e9-au-lait"      # "café" as one code point
FULLWIDTH = "ｃｏｒｒｅｃｔ ｈｏｒｓｅ"  # what some IMEs send for "correct horse"


# NIST SP 800-63B §5.1.1.2: the same password typed on another keyboard logs in.
def test_composed_and_decomposed_forms_are_one_password(client):
    register(client, "user@example.com", DECOMPOSED)
    assert login(client, "user@example.com", COMPOSED).status_code == 200


def test_compatibility_forms_are_one_password(client):
    register(client, "user@example.com", FULLWIDTH)
    assert login(client, "user@example.com", "correct horse").status_code == 200


def test_normalisation_does_not_merge_different_passwords(client):
    register(client, "user@example.com", COMPOSED)
    assert login(client, "user@example.com", "cafe-au-lait").status_code == 401


def test_the_hash_is_of_the_normalised_password():
    passwords = Passwords.for_profile("testing")
    stored = passwords.hash(DECOMPOSED)
    assert passwords.verify(stored, unicodedata.normalize("NFKC", DECOMPOSED))
    assert not passwords.verify(stored, "something else")
