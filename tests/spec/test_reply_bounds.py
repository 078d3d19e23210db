"""No request can make an error answer large: every refusal stays under 8 KB.

A refusal names what is wrong, so a request can try to make it quote a lot:
thousands of unknown members, long or unprintable names and values (JSON
escapes a control character as six), many unknown query parameters. Driven
from the spec, every operation gets each such request.
"""

import json
import re
from urllib.parse import urlencode

import pytest

from service.spec.document import load_spec
from tests.support.inprocess import admin_token, assert_envelope, bearer

LIMIT = 8 * 1024
MAX_BODY = 64 * 1024
OUTSIDER = "203.0.113.9"  # not allowed to scrape: /metrics answers it as an unknown path
OPERATIONS = load_spec().operations


def size(response) -> int:
    head = sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    return len(response.content) + head


def unknown_members(budget: int = MAX_BODY - 1024) -> dict:
    """As many members as fit the body limit, each named with characters JSON escapes."""
    members, used, index = {}, 2, 0
    while used < budget:
        name = f"\u0001{index}"
        members[name] = 0
        used += len(json.dumps(name)) + 5  # ": 0" and ", "
        index += 1
    return members


def body_fields(op) -> dict:
    content = (op.request_body or {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return schema.get("properties", {})


def path_of(op, value: str = "x") -> str:
    return re.sub(r"\{[^}]+\}", value, op.path)


def call(client, op, headers, **kwargs):
    return client.simulate_request(op.method, kwargs.pop("path", path_of(op)), headers=headers,
                                   remote_addr=OUTSIDER, **kwargs)


@pytest.fixture
def admin(client) -> dict:
    return bearer(admin_token(client))


def test_thousands_of_unknown_members_name_a_few_and_count_the_rest(client):
    members = unknown_members()
    response = client.simulate_post("/api/v1/auth/register", body=json.dumps(members),
                                    headers={"Content-Type": "application/json"})
    assert_envelope(response, 400)
    assert size(response) < LIMIT, size(response)
    errors = response.json["errors"]
    named = [name for name in errors if name in members]
    assert len(named) == 5
    assert f"{len(members) - 5} more fields are not accepted" in errors["body"]
    assert {"email", "password"} <= set(errors)  # the missing fields are still named


@pytest.mark.parametrize("op", [op for op in OPERATIONS if body_fields(op)], ids=lambda op: op.id)
def test_a_body_of_unknown_members_and_long_bad_values_gets_a_small_answer(client, admin, op):
    long_value = "\u0001" * 300
    body = {name: long_value for name in body_fields(op)}
    body["\u0002" * 1000] = 1
    body.update(unknown_members(MAX_BODY - 1024 - len(json.dumps(body))))
    response = call(client, op, {**admin, "Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 400, response.text[:300]
    assert size(response) < LIMIT, size(response)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.id)
def test_many_unknown_and_long_query_parameters_get_a_small_answer(client, admin, op):
    declared = [p["name"] for p in op.parameters if p["in"] == "query"]
    query = {f"unknown{i}\u0001": "\u0001" * 20 for i in range(2000)}
    query.update({name: "\u0001" * 8000 for name in declared})
    path = path_of(op, "\u0001" * 2000) + "?" + urlencode(query)
    response = call(client, op, admin, path=path.split("?")[0], query_string=path.split("?")[1])
    if response.status_code < 400:
        return  # no error (the docs ignore a query); what an answer shows, the spec bounds
    assert size(response) < LIMIT, (size(response), response.text[:300])
