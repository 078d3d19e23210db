"""No secret field's value ever comes back in an answer or reaches a log line.

Driven from the spec: every request-body field marked `format: password` (the
spec's one mark of a secret) of every operation, in every media type, is sent
in bad variants made from its own schema (too long, too short, a character
its pattern refuses, a leading space, a trailing `=`, the wrong type); each
answer must be a 4xx that names no secret value, and no log line may show it.
"""

import json
import logging
import re
from urllib.parse import urlencode

import pytest

from service.spec.document import load_spec
from service.spec.validator import is_secret
from tests.support.inprocess import admin_token, bearer

# Distinctive letters and digits: a value any secret's pattern accepts, that no answer
# holds by chance.
MARK = "Zq7Kw3Vb9Xj"
FORM = "application/x-www-form-urlencoded"
SECRET_NAMES = re.compile(r"(password|token|code|codes|key)$")


def secret_fields() -> list:
    """(operation, media type, field name, field schema) for every secret field of the spec."""
    found = []
    for op in load_spec().operations:
        for media, content in ((op.request_body or {}).get("content") or {}).items():
            for name, schema in content.get("schema", {}).get("properties", {}).items():
                if is_secret(schema):
                    found.append((op, media, name, schema))
    return found


def request_fields() -> list:
    """(operation id, field name, schema) for every top-level field of every request body."""
    return [
        (op.id, name, schema)
        for op in load_spec().operations
        for content in ((op.request_body or {}).get("content") or {}).values()
        for name, schema in content.get("schema", {}).get("properties", {}).items()
    ]


def base_value(schema: dict) -> str:
    """A value of the field's length rules made of MARK, so that any quotation of it shows."""
    length = min(max(schema.get("minLength", 0), 43), schema.get("maxLength", 1024))
    return (MARK * (length // len(MARK) + 1))[:length]


def variants(schema: dict) -> list:
    """Bad spellings of a secret: (value sent, the text an answer must not contain)."""
    value = base_value(schema)
    found = [
        (value + "x", value), (" " + value, value), (value + "=", value),
        (value + "\u0000", value), (value + "\u00e9", value), (value + "\n", value),
        (value * (schema.get("maxLength", 1024) // len(value) + 2), value),
        ([value], value), ({"v": value}, value), ({value: value}, value),
    ]
    if schema.get("minLength", 0) > len(MARK):
        short = value[: schema["minLength"] - 1]
        found.append((short, short))
    return found


def path_of(op) -> str:
    return re.sub(r"\{[^}]+\}", "x", op.path)


def send(client, op, media: str, name: str, value, headers: dict):
    if media == FORM:
        sent = value if isinstance(value, str) else json.dumps(value)
        body = urlencode({name: sent})
    else:
        body = json.dumps({name: value})
    return client.simulate_request(
        op.method, path_of(op), body=body, headers={**headers, "Content-Type": media}
    )


def test_the_spec_has_secret_fields_to_test():
    names = {name for _, _, name, _ in secret_fields()}
    assert {"password", "refresh_token", "current_password", "new_password"} <= names


@pytest.mark.parametrize(
    ("operation_id", "name", "schema"), request_fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_request_field_named_like_a_secret_is_marked_secret(operation_id, name, schema):
    """Passwords, tokens, keys and codes carry `format: password`, the mark this rule reads."""
    if SECRET_NAMES.search(name):
        assert is_secret(schema), f"{operation_id}: {name} is not marked `format: password`"


@pytest.mark.parametrize(
    ("op", "media", "name", "schema"), secret_fields(),
    ids=[f"{op.id}-{media.split('/')[1]}-{name}" for op, media, name, _ in secret_fields()],
)
def test_no_bad_variant_of_a_secret_field_is_echoed_or_logged(client, caplog, op, media, name, schema):
    headers = bearer(admin_token(client)) if op.secured else {}
    caplog.set_level(logging.DEBUG)
    named = 0
    for value, hidden in variants(schema):
        if media == FORM and not isinstance(value, str):
            value = json.dumps(value)
        response = send(client, op, media, name, value, headers)
        assert 400 <= response.status_code < 500, (value, response.text)
        shown = response.text + "".join(f"{k}: {v}" for k, v in response.headers.items())
        assert hidden not in shown, f"{op.id} {media}: {name} echoed in {response.text}"
        assert hidden not in json.dumps(response.json), response.text
        named += name in (response.json.get("errors") or {})
    assert named, f"no bad variant of {name} was refused naming it"
    assert not [r for r in caplog.records if hidden_in(r, MARK[:6])]


def hidden_in(record, mark: str) -> bool:
    text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
    return mark in text


def test_a_refresh_token_with_one_character_more_is_refused_without_being_quoted(client):
    token = base_value({"minLength": 43, "maxLength": 43})
    response = client.simulate_post("/api/v1/auth/refresh", json={"refresh_token": token + "A"})
    assert response.status_code == 400
    assert token not in response.text
    assert response.json["errors"]["refresh_token"].startswith("refresh_token ")
