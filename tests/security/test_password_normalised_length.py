"""A password's length limits hold for the characters as sent and of its NFKC form, the form
that is hashed: what a client checks against the schema and what the service stores agree."""

import unicodedata

import pytest

from service.settings import Settings
from service.spec.document import load_spec
from service.spec.validator import Validator
from tests.support.inprocess import assert_envelope, login, register

DECOMPOSED_SHORT = "e\u0301" * 4  # 8 code points as typed, "éééé" (4) after NFKC
EXPANDS_TO_EIGHT = "abcde\ufb03"  # 6 code points as typed, "abcdeffi" (8) after NFKC
EXPANDS_PAST_BOUND = "\ufdfa" * 100  # 100 code points as typed, 1,800 after NFKC
COMPOSES_UNDER_BOUND = "e\u0301" * 600  # 1,200 code points as typed, 600 after NFKC
WITHIN_BOTH = "abcdefg\ufb03"  # 8 code points as typed, 10 after NFKC
COMPOSES_WITHIN_BOTH = "e\u0301" * 500  # 1,000 code points as typed, 500 after NFKC


@pytest.mark.parametrize("password", [DECOMPOSED_SHORT, EXPANDS_PAST_BOUND], ids=["short", "long"])
def test_a_password_whose_normalised_form_breaks_the_limits_answers_400(client, password):
    response = register(client, password=password)
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"password"}


@pytest.mark.parametrize(
    "password", [EXPANDS_TO_EIGHT, COMPOSES_UNDER_BOUND], ids=["short-as-sent", "long-as-sent"]
)
def test_a_password_whose_form_as_sent_breaks_the_limits_answers_400(client, password):
    """The schema's minLength and maxLength, as a generated client checks them, hold too."""
    response = register(client, password=password)
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"password"}


@pytest.mark.parametrize(
    "password", [WITHIN_BOTH, COMPOSES_WITHIN_BOTH], ids=["expands", "composes"]
)
def test_a_password_within_the_limits_in_both_forms_is_accepted(client, password):
    assert register(client, "a@example.com", password).status_code == 201
    assert login(client, "a@example.com", unicodedata.normalize("NFC", password)).status_code == 200


def test_the_command_line_counts_the_normalised_form_too():
    validator = Validator(
        load_spec().operations, Settings.from_env({"APP_ENV": "testing"}).max_body_bytes
    )
    errors = validator.body_errors(
        "auth.register", {"email": "a@example.com", "password": DECOMPOSED_SHORT}
    )
    assert set(errors) == {"password"}
