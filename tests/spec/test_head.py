"""HEAD is answered wherever GET is (RFC 9110 §9.3.2): the same status and headers, no body.

Driven from the spec: every path with a `get` declares a `head` twin, and every
GET route answers HEAD as it answers GET, whether the request succeeds, lacks
its token, breaks the spec or is conditional.
"""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from service.spec.document import load_spec
from tests.support.inprocess import admin_token, bearer
from tests.support.widgets import WIDGETS, widget_body

SPEC = load_spec()
GETS = [op for op in SPEC.operations if op.method == "GET"]
HEADS = {op.path: op for op in SPEC.operations if op.method == "HEAD"}
REQUEST_ID = {"X-Request-ID": "head-and-get"}
# What two requests in a row may differ in: the metrics count the first of the pair.
VOLATILE = {"ops.metrics": {"content-length"}}


def test_every_get_has_a_head_twin_with_its_parameters_statuses_and_headers_and_no_content():
    for get in GETS:
        head = HEADS.get(get.path)
        assert head is not None, f"{get.path}: no head operation"
        assert (head.parameters, head.secured, head.admin_only, head.cacheable) == (
            get.parameters, get.secured, get.admin_only, get.cacheable
        ), get.path
        assert set(head.responses) == set(get.responses), get.path
        for status, response in get.responses.items():
            assert head.responses[status].get("headers") == response.get("headers"), (get.path, status)
            assert "content" not in head.responses[status], (get.path, status)


def test_only_paths_with_a_get_have_a_head():
    assert set(HEADS) == {op.path for op in GETS}


@pytest.fixture
def paths(client, admin) -> dict:
    """A path that exists for every GET operation's template: a widget, the admin, a docs asset."""
    assert client.simulate_post(WIDGETS, json=widget_body("probe"), headers=admin).status_code == 201
    me = client.simulate_get("/api/v1/auth/user", headers=admin).json["public_id"]
    values = {"name": "probe", "public_id": me, "asset": "swagger-ui.css", "id": "x"}
    return {op.id: re.sub(r"\{([^}]+)\}", lambda m: values[m[1]], op.path) for op in GETS}


@pytest.fixture
def admin(client) -> dict:
    return bearer(admin_token(client))


def assert_head_answers_as_get(client, op, path: str, headers: dict, **kwargs):
    got = client.simulate_get(path, headers={**headers, **REQUEST_ID}, **kwargs)
    head = client.simulate_head(path, headers={**headers, **REQUEST_ID}, **kwargs)
    assert head.status_code == got.status_code, (op.id, head.status_code, head.text)
    assert head.content == b""
    skip = VOLATILE.get(op.id, set())
    assert {k: v for k, v in head.headers.items() if k not in skip} == {
        k: v for k, v in got.headers.items() if k not in skip
    }, op.id
    return got


@pytest.mark.parametrize("op", GETS, ids=lambda op: op.id)
def test_head_answers_as_get_does(client, admin, paths, op):
    got = assert_head_answers_as_get(client, op, paths[op.id], admin)
    assert got.status_code < 400, got.text


@pytest.mark.parametrize("op", [op for op in GETS if op.secured], ids=lambda op: op.id)
def test_head_without_a_token_answers_401_as_get_does(client, admin, paths, op):
    got = assert_head_answers_as_get(client, op, paths[op.id], {})
    assert got.status_code == 401
    assert "WWW-Authenticate" in got.headers


@pytest.mark.parametrize(
    "op", [op for op in GETS if any(p["in"] == "query" for p in op.parameters)], ids=lambda op: op.id
)
def test_head_breaking_the_spec_answers_400_as_get_does(client, admin, paths, op):
    got = assert_head_answers_as_get(client, op, paths[op.id], admin, query_string="page=0")
    assert got.status_code == 400


@pytest.mark.parametrize("op", [op for op in GETS if op.id.startswith("widgets.")], ids=lambda op: op.id)
@pytest.mark.parametrize(("header", "status"), [("If-None-Match", 304), ("If-Match", 412)])
def test_a_conditional_head_answers_as_get_does(client, admin, paths, op, header, status):
    current = client.simulate_get(paths[op.id], headers=admin).headers["ETag"]
    value = current if header == "If-None-Match" else '"' + "0" * 32 + '"'
    got = assert_head_answers_as_get(client, op, paths[op.id], {**admin, header: value})
    assert got.status_code == status


def test_head_of_metrics_from_an_address_not_allowed_answers_404(client):
    response = client.simulate_head("/metrics", remote_addr="203.0.113.9")
    assert response.status_code == 404


def test_head_where_there_is_no_get_answers_405_naming_the_methods(client):
    response = client.simulate_head("/api/v1/auth/login")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_each_head_twin_is_what_the_generator_derives_from_its_get():
    """A `get` or a response changed since its twin was written shows here: rewrite the twin
    with scripts/head_operations.py (delete the old `head` block or `...Head` response first)."""
    spec = yaml.safe_load(SPEC.text)
    generator = _generator()
    for path, item in spec["paths"].items():
        if "get" in item:
            assert item.get("head") == generator.head_of(item["get"]), path
    responses = spec["components"]["responses"]
    for name, response in responses.items():
        if name.endswith(generator.HEAD) and name.removesuffix(generator.HEAD) in responses:
            assert response == generator.headers_only(responses[name.removesuffix(generator.HEAD)]), name


def _generator():
    path = Path(__file__).resolve().parents[2] / "scripts" / "head_operations.py"
    spec = importlib.util.spec_from_file_location("head_operations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
