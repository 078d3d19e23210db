"""Our validator and openapi-core accept and reject the same requests and responses.

The service validates with jsonschema-rs verdicts explained by
openapi-schema-validator; openapi-core is the reference semantics, configured
with the service's own string formats. Requests
come from schemathesis (valid and invalid, every operation with inputs),
responses from hypothesis-jsonschema plus mutations; each case goes to both.
"""

import json
from collections import Counter
from urllib.parse import parse_qsl, urlencode

import falcon
import falcon.testing
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from schemathesis import GenerationMode

from service.auth.passwords import normalise
from service.errors import ApiError
from service.spec.document import load_spec
from service.spec.validator import Validator, _is_email
from service.widgets.dates import check_future_date

SPEC = load_spec()
FORMATS = {"future-date": check_future_date}
OURS = Validator(SPEC.operations, max_body_bytes=64 * 1024, formats=FORMATS)
AUTH = {"Authorization": "Bearer x"}
CASES: Counter = Counter()
EXAMPLES = 60


def _conforms(check):
    def predicate(value) -> bool:
        try:
            check(value)
        except ValueError:
            return False
        return True
    return predicate


REFERENCE = OpenAPI.from_dict(
    SPEC.document,
    config=Config(
        extra_format_validators={
            "email": _is_email, **{name: _conforms(c) for name, c in FORMATS.items()}
        },
    ),
)
OPERATIONS = {op.id: op for op in SPEC.operations}
SCHEMA = schemathesis.openapi.from_dict(SPEC.document)
WITH_INPUTS = [
    result.ok() for result in SCHEMA.get_all_operations()
    if result.ok().definition.raw.get("parameters") or result.ok().definition.raw.get("requestBody")
    or result.ok().path_parameters
]


def _encode(body, media_type):
    if body is None or media_type is None:
        return b""
    if isinstance(body, bytes):
        return body
    if media_type == "application/json":
        return json.dumps(body).encode("utf-8", "surrogatepass")
    if isinstance(body, dict):
        return urlencode(body, doseq=True).encode("utf-8", "surrogatepass")
    return str(body).encode("utf-8", "surrogatepass")


def ours_accepts_request(op, method, path, query, media_type, data, path_params) -> bool:
    headers = {**AUTH, **({"Content-Type": media_type} if media_type else {})}
    environ = falcon.testing.create_environ(path, query_string=urlencode(query, doseq=True),
                                            method=method, headers=headers, body=data)
    try:
        OURS.request(op, falcon.Request(environ), path_params)
    except ApiError:
        return False
    return True


def normalised_passwords(op, media_type, data: bytes) -> bytes:
    """The body with its passwords in NFKC: the spec's Password limits hold for the characters
    of the normalised form too (its description says so; a JSON schema cannot), so the
    reference judges the body as sent and so normalised."""
    schema = (op.request_body or {}).get("content", {}).get(media_type, {}).get("schema", {})
    fields = {n for n, s in schema.get("properties", {}).items() if s.get("format") == "password"}
    if not fields or not data:
        return data
    try:
        if media_type == "application/json":
            body = json.loads(data)
            if not isinstance(body, dict):
                return data
            body = {
                k: normalise(v) if k in fields and isinstance(v, str) else v
                for k, v in body.items()
            }
            return json.dumps(body).encode("utf-8", "surrogatepass")
        pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, errors="strict")
        return urlencode([(k, normalise(v) if k in fields else v) for k, v in pairs]).encode()
    except ValueError:
        return data  # unreadable: both sides refuse it as it is


def reference_accepts_request(op, method, path, query, media_type, data, path_params) -> bool:
    normalised = normalised_passwords(op, media_type, data)
    return all(
        reference_accepts(op, method, path, query, media_type, body, path_params)
        for body in {data, normalised}
    )


def reference_accepts(op, method, path, query, media_type, data, path_params) -> bool:
    request = MockRequest("http://localhost", method.lower(), path, path_pattern=op.path,
                          args=query, view_args=path_params, headers=AUTH, data=data or None,
                          content_type=media_type or "application/json")
    try:
        REFERENCE.validate_request(request)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", WITH_INPUTS, ids=lambda o: o.label)
def test_request_verdicts_match_openapi_core(operation, mode):
    op = OPERATIONS[operation.definition.raw["operationId"]]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        query = {k: v for k, v in (case.query or {}).items()}
        path_params = {k: str(v) for k, v in (case.path_parameters or {}).items()}
        sent = op.request_body and type(case.body).__name__ != "NotSet"  # an optional body left out
        media_type = case.media_type if sent else None
        data = _encode(case.body, media_type) if sent else b""
        path = op.path
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", value)
        args = (op, op.method, path, {k: str(v) for k, v in query.items()}, media_type, data,
                path_params)
        CASES["requests"] += 1
        assert ours_accepts_request(*args) == reference_accepts_request(*args), args

    check()


def _responses():
    for op in SPEC.operations:
        for status, response in op.responses.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema:
                yield pytest.param(op, int(status), response, schema, id=f"{op.id}-{status}")


FORMATS_DRAWN = {
    "email": st.emails(),
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
        lambda moment: moment.isoformat()
    ),
}


def instances(schema: dict):
    """Valid instances of one of the spec's (resolved) response schemas."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        drawn = st.fixed_dictionaries(
            {k: instances(v) for k, v in properties.items() if k in required},
            optional={k: instances(v) for k, v in properties.items() if k not in required},
        )
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            drawn = st.dictionaries(st.text(max_size=10), instances(extra), max_size=3)
        return drawn
    if kind == "array":
        return st.lists(instances(schema["items"]), max_size=3)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "boolean":
        return st.booleans()
    if schema.get("format") in FORMATS_DRAWN:
        return FORMATS_DRAWN[schema["format"]]
    if "pattern" in schema:
        return st.from_regex(schema["pattern"])
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))


def _mutations(body):
    """Invalid neighbours of a valid body: a field dropped, retyped or added."""
    return st.sampled_from(["drop", "retype", "add", "null"]).map(lambda how: _mutate(body, how))


def _mutate(body, how):
    if not isinstance(body, dict) or not body:
        return {"unexpected": True}
    key = sorted(body)[0]
    changed = dict(body)
    if how == "drop":
        del changed[key]
    elif how == "retype":
        changed[key] = [changed[key]]
    elif how == "add":
        changed["unexpected-field"] = 1
    else:
        changed[key] = None
    return changed


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)


def _declared_headers(response):
    """Valid values for every header the response declares."""
    return st.fixed_dictionaries({
        name: (instances(spec["schema"]) if "pattern" in spec["schema"] or "type" in spec["schema"]
               and spec["schema"]["type"] != "string" else HEADER_TEXT).map(str)
        for name, spec in response.get("headers", {}).items()
    })


@pytest.mark.parametrize("op,status,response,schema", list(_responses()))
def test_response_verdicts_match_openapi_core(op, status, response, schema):
    valid = instances(schema)

    @given(body=st.one_of(valid, valid.flatmap(_mutations)), headers=_declared_headers(response))
    @settings(max_examples=45, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(body, headers):
        resp = falcon.Response()
        resp.status = status
        resp.media = body
        resp.set_headers(headers)
        ours = not OURS.response(op, resp)
        path = op.path.replace("{name}", "w").replace("{asset}", "a.js")
        request = MockRequest("http://localhost", op.method.lower(), path, path_pattern=op.path,
                              view_args={"name": "w", "asset": "a.js"}, headers=AUTH)
        mock = MockResponse(json.dumps(body).encode(), status_code=status, headers=headers)
        try:
            REFERENCE.validate_response(request, mock)
            reference = True
        except Exception:
            reference = False
        CASES["responses"] += 1
        assert ours == reference, (status, body)

    check()


def test_the_corpus_held_at_least_2000_cases():
    assert sum(CASES.values()) >= 2000, CASES
