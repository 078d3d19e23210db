"""Integers on the wire are ASCII digits: other scripts' digits are not numbers here."""

import pytest

from tests.support.inprocess import assert_envelope, bearer, token_for

WIDGETS = "/api/v1/widgets"
NOT_ASCII = ["１", "١", "۱", "१", "𝟏", "1١", "¹", "٣٠"]


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("digits", NOT_ASCII)
def test_an_integer_parameter_in_non_ascii_digits_answers_400_naming_it(client, name, digits):
    response = client.simulate_get(
        WIDGETS, params={name: digits}, headers=bearer(token_for(client))
    )
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {name}


@pytest.mark.parametrize("value, page", [("1", 1), ("+2", 2), ("0003", 3)])
def test_an_integer_parameter_in_ascii_digits_is_read(client, value, page):
    response = client.simulate_get(
        WIDGETS, params={"page": value}, headers=bearer(token_for(client))
    )
    assert response.status_code == 200, response.text
    assert response.json["page"] == page
