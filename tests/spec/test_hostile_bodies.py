"""Bodies the parser must survive (any nesting, any string, any field name): each a 400 envelope."""

import json

import pytest

from service.db.models import User, Widget
from tests.support.inprocess import PASSWORD, admin_token, assert_envelope, bearer

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
WIDGETS = "/api/v1/widgets"
JSON = {"Content-Type": "application/json"}
DEPTHS = [2, 33, 327, 500, 989, 5_000, 30_000]  # 30,000 levels fill most of the 64 KB body limit


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def operations(client) -> list:
    """(method, path, headers, fine fields) of every operation with a body."""
    admin = {**JSON, **bearer(admin_token(client))}
    widget = {"info_url": "https://www.example.com/w", "deadline": "12/31/2030"}
    return [
        ("POST", REGISTER, JSON, {"email": "a@example.com", "password": PASSWORD}),
        ("POST", LOGIN, JSON, {"email": "a@example.com", "password": PASSWORD}),
        ("POST", WIDGETS, admin, {"name": "w", **widget}),
        ("PUT", f"{WIDGETS}/w", admin, widget),
    ]


def send(client, method: str, path: str, headers: dict, body):
    return client.simulate_request(method, path, body=body, headers=headers)


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_field_nested_to_any_depth_answers_400_and_writes_nothing(client, depth):
    for method, path, headers, fields in operations(client):
        users = User.select().count()
        first = next(iter(fields))
        body = json.dumps(fields)[:-1] + f', "{first}": {nested(depth)}}}'
        response = send(client, method, path, headers, body)
        assert_envelope(response, 400, "Input payload validation failed")
        assert set(response.json["errors"]) <= {first, "body"}, (path, response.json)
        assert User.select().count() == users
        assert Widget.select().count() == 0


# Deeper still, the JSON parser itself stops (how deep depends on the stack it runs on) and
# `errors.body` says the body is nested too deeply.
@pytest.mark.parametrize("depth", [33, 327, 500])
def test_a_field_nested_past_the_bound_is_named_in_errors(client, depth):
    body = f'{{"email": {nested(depth)}, "password": "{PASSWORD}"}}'
    response = client.simulate_post(REGISTER, body=body, headers=JSON)
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"email"}


@pytest.mark.parametrize("depth", [2, 33, 327, 500, 989, 9_000])  # 9,000 objects: 54 KB
def test_a_body_of_objects_nested_to_any_depth_answers_400(client, depth):
    response = client.simulate_post(
        REGISTER, body='{"a":' * depth + "1" + "}" * depth, headers=JSON
    )
    assert_envelope(response, 400, "Input payload validation failed")


@pytest.mark.parametrize(
    "body",
    [
        b'{"\\ud800": 1}',
        b'{"\\udfff": 1, "email": "a@example.com", "password": "correct horse battery"}',
        b'{"email": {"\\ud800": 1}, "password": "correct horse battery"}',
        b'{"email": ["x", ["\\udc00"]], "password": "correct horse battery"}',
        b'{"email": "a@example.com", "password": "correct horse battery", "\\ud83d": "\\ud83d"}',
    ],
    ids=["lone-key", "key-beside-fine-fields", "nested-key", "nested-value", "key-and-value"],
)
def test_a_lone_surrogate_anywhere_answers_400_with_an_encodable_envelope(client, body):
    response = client.simulate_post(REGISTER, body=body, headers=JSON)
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"]
    response.content.decode("utf-8")  # the body is UTF-8 text, whatever the request held
    assert User.select().count() == 0


def test_a_lone_surrogate_field_name_is_shown_escaped(client):
    response = client.simulate_post(REGISTER, body=b'{"\\ud800": 1}', headers=JSON)
    assert "\\ud800" in response.json["errors"]


def test_an_unsupported_content_type_is_quoted_bounded_in_the_message(client):
    response = client.simulate_post(REGISTER, body=b"{}", headers={"Content-Type": "x" * 5_000})
    assert_envelope(response, 415)
    assert len(response.json["message"]) < 300


# RFC 8259 §6: NaN and Infinity are not JSON, though Python's json reads them; an integer past
# Python's digit limit cannot be read. Each is a malformed body, not a 500 or a number.
@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"9" * 5_000])
def test_a_number_json_does_not_have_answers_400_naming_the_body(client, number):
    response = client.simulate_post(
        REGISTER, body=b'{"email": ' + number + b', "password": "x"}', headers=JSON
    )
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"body"}
    assert "sys." not in response.json["errors"]["body"]  # no word of the internals
