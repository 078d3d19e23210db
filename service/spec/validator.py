"""The contract gate: requests and responses checked against the spec.

Every operation's schemas are compiled once at start-up. `Validator` is the
whole interface the app depends on: `request()` returns the typed inputs of a
request or raises the error the client gets; `response()` lists how a response
breaks the spec (an empty list when it does not).
"""

import json
import re
import urllib.parse
from dataclasses import dataclass, field

import jsonschema_rs
from jsonschema import FormatChecker
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

from service.auth.passwords import normalise as normalise_password
from service.spec.compiled_schema import CompiledSchema, format_predicates
from service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BODY_FIELD = "body"
TYPE_NAMES = {
    "integer": "integer",
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "object": "object",
    "array": "list",
}
# ASCII digits only: `\d` and int() also take other scripts' digits ("１", "١"), which are
# not integers on the wire.
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
SHOWN_CHARS = 80
# Unknown members named one by one before the rest are counted: a 64 KB body can hold
# thousands, and an answer must stay small whatever the request (errors.py bounds it too).
UNKNOWN_NAMED = 5
# No request schema nests deeper than a few levels; a body nested past this bound breaks
# the spec anyway, and refusing it at once keeps every recursive consumer of the parsed
# value (the validators, repr, json.dumps) far from Python's recursion limit.
MAX_DEPTH = 32
TOO_DEEP = f"is nested more than {MAX_DEPTH} levels deep"
NOT_TEXT = "contains an unpaired surrogate, which is not text"
UNTERMINATED = "a body without Content-Length cannot be read by this server; send Content-Length"
INCOMPLETE = "the body ended before its Content-Length, or its chunked coding is broken: send it whole"
UNREADABLE = object()  # a body that could not be decoded; its error is already recorded


@dataclass
class Inputs:
    """What a handler receives: values the spec has already checked and typed."""

    path: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    body: dict | None = None


class Validator:
    """Request and response validation for every operation of a spec."""

    def __init__(self, operations, max_body_bytes: int, formats: dict | None = None):
        """`formats` adds string formats the spec uses beyond OpenAPI's own: name -> check.

        A check returns normally for a good value and raises ValueError, whose
        message is the client's, for a bad one.
        """
        self.max_body_bytes = max_body_bytes
        formats = formats or {}
        checker = _format_checker(formats)
        pure = set(oas30_format_checker.checkers) - set(formats)
        schemas = _SchemaFactory(checker, format_predicates(checker, pure))
        self._ops = {op.id: _CompiledOperation(op, schemas) for op in operations}

    def request(self, op, req, path_params: dict) -> Inputs:
        """Check a request; return its inputs or raise the client's 4xx."""
        compiled = self._ops[op.id]
        errors: dict = {}
        inputs = Inputs(
            path=compiled.check_params("path", path_params, errors),
            query=compiled.check_params("query", req.params, errors),
            headers=compiled.check_params("header", compiled.header_values(req), errors),
        )
        # An operation that declares no body never reads one: content on a GET or DELETE
        # has no meaning (RFC 9110 9.3.1), so it is neither parsed nor refused.
        if compiled.body_validators and (compiled.body_required or _has_body(req)):
            inputs.body = compiled.check_body(req, self.max_body_bytes, errors)
        if errors:
            raise ValidationFailed(errors)
        return inputs

    def body_errors(self, operation_id: str, body: dict) -> dict:
        """Field errors of a JSON body for an operation, for callers outside HTTP (the CLI)."""
        compiled = self._ops[operation_id]
        # Command-line text can hold lone surrogates too (Python decodes argv and stdin so).
        unreadable = _unreadable_fields(body)
        if unreadable:
            return unreadable
        return compiled.body_problems(compiled.body_validators[JSON], body)

    def response(self, op, resp) -> list:
        """List the ways a Falcon response breaks the spec."""
        headers = {name.lower(): value for name, value in resp.headers.items()}
        if op.method == "HEAD":  # the GET handler's body is left out on the wire: headers only
            return self._ops[op.id].check_response(resp.status_code, headers, None, None, False)
        has_body = any(x is not None for x in (resp.media, resp.text, resp.data, resp.stream))
        content_type = resp.content_type or JSON  # Falcon's default media type
        media = resp.media
        if media is None and resp.text is not None and content_type.startswith(JSON):
            media = json.loads(resp.text)
        return self._ops[op.id].check_response(
            resp.status_code, headers, content_type, media, has_body
        )


class _SchemaFactory:
    """Compile schemas for requests (write semantics) and responses (read semantics)."""

    def __init__(self, checker: FormatChecker, predicates: dict):
        self.checker = checker
        self.predicates = predicates

    def request(self, schema: dict) -> CompiledSchema:
        return CompiledSchema(schema, OAS30WriteValidator, self.checker, self.predicates)

    def response(self, schema: dict) -> CompiledSchema:
        return CompiledSchema(schema, OAS30ReadValidator, self.checker, self.predicates)


class _CompiledOperation:
    def __init__(self, op, schemas: _SchemaFactory):
        self.op = op
        self.params = [_Param(p, schemas) for p in op.parameters]
        body = op.request_body or {}
        self.body_required = bool(body.get("required"))
        self.body_validators = {
            media: schemas.request(content.get("schema", {}))
            for media, content in body.get("content", {}).items()
        }
        self.fields_required = {
            media: bool(content.get("schema", {}).get("required"))
            for media, content in body.get("content", {}).items()
        }
        self.password_fields = {
            name
            for content in body.get("content", {}).values()
            for name, schema in content.get("schema", {}).get("properties", {}).items()
            if schema.get("format") == "password"
        }
        self.responses = {
            status: _Response(response, schemas) for status, response in op.responses.items()
        }

    def check_params(self, location: str, values: dict, errors: dict) -> dict:
        checked = {}
        for param in self.params:
            if param.location != location:
                continue
            if param.name not in values:
                if param.required:
                    errors[param.name] = f"{param.name} is required"
                elif "default" in param.schema:
                    checked[param.name] = param.schema["default"]
                continue
            value = param.coerce(values[param.name])
            problems = _problems(param.validator, value, param.name)
            errors.update(problems)
            if not problems:
                checked[param.name] = value
        return checked

    def header_values(self, req) -> dict:
        """The request's values of the header parameters the operation declares, by declared name."""
        return {
            param.name: value
            for param in self.params
            if param.location == "header" and (value := req.get_header(param.name)) is not None
        }

    def check_body(self, req, max_bytes: int, errors: dict):
        media_type = (req.content_type or "").split(";")[0].strip().lower()
        raw = _read_bounded(req, max_bytes)
        validator = self.body_validators.get(media_type)
        if validator is None and not raw and not media_type:
            # Nothing was sent, in no media type: every media type's schema has the same fields.
            validator = next(iter(self.body_validators.values()))
        if validator is None:
            accepted = ", ".join(self.body_validators) or "no body"
            raise UnsupportedMediaType(
                f"Content-Type {_show(media_type) if media_type else '(none)'} is not supported;"
                f" use {accepted}"
            )
        # An absent body carries no fields, like an empty form: the errors name each required one.
        # Where the schema requires none (a merge patch), a required body must still be sent.
        if not raw and self.body_required and not self.fields_required.get(media_type, True):
            errors[BODY_FIELD] = "a body is required"
            return None
        body = _parse(media_type, raw, errors) if raw else {}
        if body is UNREADABLE:
            return None
        errors.update(self.body_problems(validator, body))
        return self.normalised(body)

    def body_problems(self, validator, body) -> dict:
        """How a body breaks its schema as sent or with its passwords in NFKC, the form that is
        hashed: a password's limits hold for the characters of both."""
        problems = _problems(validator, self.normalised(body), None)
        if self.password_fields and isinstance(body, dict):
            for name, message in _problems(validator, body, None).items():
                problems.setdefault(name, message)
        return problems

    def normalised(self, body):
        """Passwords in NFKC, the form that is hashed."""
        if not isinstance(body, dict):
            return body
        return {
            name: normalise_password(value)
            if name in self.password_fields and isinstance(value, str) else value
            for name, value in body.items()
        }

    def check_response(self, status, headers, content_type, media, has_body) -> list:
        declared = self.responses.get(str(status)) or self.responses.get("default")
        if declared is None:
            return [f"status {status} is not declared for {self.op.id}"]
        return declared.problems(headers, content_type, media, has_body)


class _Param:
    def __init__(self, param: dict, schemas: _SchemaFactory):
        self.name = param["name"]
        self.location = param["in"]
        self.required = bool(param.get("required"))
        self.schema = param.get("schema", {})
        self.validator = schemas.request(self.schema)

    def coerce(self, value):
        """Turn a query or path string into the schema's primitive type, where it is one."""
        kind = self.schema.get("type")
        if isinstance(value, str) and kind in ("integer", "number") and INTEGER.fullmatch(value):
            return int(value)
        return value


class _Response:
    def __init__(self, response: dict, schemas: _SchemaFactory):
        self.headers = {
            name.lower(): (
                spec.get("required", False),
                spec["schema"].get("type") == "integer",
                schemas.response(spec["schema"]),
            )
            for name, spec in response.get("headers", {}).items()
        }
        self.content = {
            media: schemas.response(content.get("schema", {}))
            for media, content in response.get("content", {}).items()
        }

    def problems(self, headers: dict, content_type, media, has_body: bool) -> list:
        found = []
        for name, (required, numeric, validator) in self.headers.items():
            value = headers.get(name)
            if value is None:
                if required:
                    found.append(f"header {name} is missing")
                continue
            value = int(value) if numeric and INTEGER.fullmatch(value) else value
            found += [f"header {name}: {e.message}" for e in validator.iter_errors(value)]
        if not self.content:
            if has_body:
                found.append("a body was sent where none is declared")
            return found
        media_type = (content_type or "").split(";")[0].strip()
        validator = self.content.get(media_type)
        if validator is None:
            return found + [f"content type {media_type} is not declared"]
        if media_type == JSON:
            found += [_response_problem(e) for e in validator.iter_errors(media)]
        return found


def _response_problem(error) -> str:
    """How a response body breaks its schema, without quoting a secret (the log shows it)."""
    if not holds_secret(error.schema):
        return f"body: {error.message}"
    path = ".".join(str(part) for part in error.absolute_path) or BODY_FIELD
    return f"body: {path} breaks {error.validator} (a secret: its value is not shown)"


def _format_checker(formats: dict) -> FormatChecker:
    """OpenAPI 3.0's format checks plus the service's own, whose errors explain themselves."""
    checker = FormatChecker(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)
    checker.checks("email")(_is_email)
    for name, check in formats.items():
        checker.checks(name, raises=Explained)(_explaining(check))
    return checker


class Explained(ValueError):
    """A service format check's own words for what is wrong with a value, fit to show the
    client; a library check's ValueError (`uuid.UUID`'s, say) speaks of Python instead."""


def _explaining(check):
    """`check` as a format predicate whose refusals carry their explanation as Explained."""
    def checked(value) -> bool:
        try:
            check(value)
        except ValueError as refused:
            raise Explained(str(refused)) from refused
        return True
    return checked


# jsonschema's stock `email` check only looks for an "@"; this is RFC 5321, the reading
# other JSON Schema tools (and so generated clients and contract tests) give the format.
_RFC5321_ADDRESS = jsonschema_rs.Draft4Validator({"format": "email"}, validate_formats=True)


def _is_email(value) -> bool:
    return not isinstance(value, str) or _RFC5321_ADDRESS.is_valid(value)


def _has_body(req) -> bool:
    return bool(req.content_length) or req.get_header("Transfer-Encoding") is not None


def _read_bounded(req, max_bytes: int) -> bytes:
    """Read the body, at most `max_bytes` of it, whether its length was declared or not.

    A body cut short (the client went away mid-upload) or a broken chunked coding is
    refused whole: a form's prefix parses as well as the form, and must change nothing.
    """
    if req.content_length and req.content_length > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    # A chunked body has no Content-Length; a server that decodes it (gunicorn does) ends
    # the input stream where the body ends, so it can be read to its end.
    terminated = req.content_length is None and req.env.get("wsgi.input_terminated")
    if req.content_length is None and not terminated and req.get_header("Transfer-Encoding"):
        # Any other server leaves the stream open past the body (PEP 3333): reading would hang.
        raise ValidationFailed({BODY_FIELD: UNTERMINATED})
    stream = req.stream if terminated else req.bounded_stream
    try:
        raw = _read_to_end(stream, max_bytes + 1)
    except Exception:  # noqa: BLE001 - the server's reader refusing the body: gunicorn's
        # NoMoreData, InvalidChunkSize, ChunkMissingTerminator; only the read is inside
        raise ValidationFailed({BODY_FIELD: INCOMPLETE}) from None
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    if req.content_length is not None and len(raw) < req.content_length:
        raise ValidationFailed({BODY_FIELD: INCOMPLETE})
    return raw


def _read_to_end(stream, limit: int) -> bytes:
    """Read until the stream ends or `limit` bytes came; a read may return fewer than asked."""
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _parse(media_type: str, raw: bytes, errors: dict):
    """Decode a body, recording why it cannot be read instead of raising."""
    try:
        text = raw.decode("utf-8")
        if media_type == JSON or media_type.endswith("+json"):  # merge-patch+json is JSON too
            body = json.loads(text, parse_constant=_not_json)
        else:
            if _json_object(text):
                errors[BODY_FIELD] = (
                    "the body is a JSON object sent as a form: send it with "
                    "Content-Type: application/json"
                )
                return UNREADABLE
            body = read_form(text)
    except UnicodeError:
        errors[BODY_FIELD] = "the body is not valid UTF-8 text"
        return UNREADABLE
    except RecursionError:
        errors[BODY_FIELD] = "the body is nested too deeply"
        return UNREADABLE
    except json.JSONDecodeError as exc:
        errors[BODY_FIELD] = f"the body is not valid JSON: {exc}"
        return UNREADABLE
    except ValueError:  # Python's limit on an integer's digits, or NaN/Infinity (_not_json)
        errors[BODY_FIELD] = "the body is not valid JSON: NaN, Infinity or too long a number"
        return UNREADABLE
    unreadable = _unreadable_fields(body)
    if unreadable:
        errors.update(unreadable)
        return UNREADABLE
    return body


def _json_object(text: str) -> bool:
    """Whether a form body is in fact a JSON object (curl -d '{...}' sends a form by default)."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _not_json(constant: str):
    """Refuse NaN and Infinity: Python's json reads them, JSON has no such numbers (RFC 8259 6)."""
    raise ValueError(constant)


def read_form(text: str) -> dict:
    """Read a form body as openapi-core does: a field sent more than once keeps its first value."""
    form: dict = {}
    for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict"):
        form.setdefault(name, value)
    return form


def _unreadable_fields(body) -> dict:
    """Top-level fields nested too deeply or holding a string that is not text (lone surrogates)."""
    items = body.items() if isinstance(body, dict) else [(BODY_FIELD, body)]
    found = {}
    for name, value in items:
        problem = NOT_TEXT if not _is_text(name) else _value_problem(value)
        if problem:
            found[name] = f"{name} {problem}"  # the envelope escapes a name that is not text
    return found


def _value_problem(value) -> str | None:
    """Why a parsed value cannot be handled, found by walking it without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return NOT_TEXT
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return TOO_DEEP
            if isinstance(item, dict):
                pending += [(key, depth) for key in item]
                item = item.values()
            pending += [(child, depth + 1) for child in item]
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _problems(validator, instance, name: str | None) -> dict:
    """Map every schema violation to one message per field, first violation wins."""
    found: dict = {}
    for error in validator.iter_errors(instance):
        for field_name, message in _describe(error, name):
            found.setdefault(field_name, message)
    return found


def _describe(error, name: str | None):
    """Yield (field, message) pairs for one jsonschema error."""
    kind, limit, schema, value = error.validator, error.validator_value, error.schema, error.instance
    where = ".".join(filter(None, [name, *(str(part) for part in error.absolute_path)]))
    if kind == "required":
        for missing in limit:
            if isinstance(value, dict) and missing not in value:
                field_name = _within(where, missing)
                yield field_name, f"{field_name} is required"
        return
    if kind == "additionalProperties" and isinstance(value, dict):
        known = schema.get("properties", {})
        accepted = ", ".join(known) or "none"
        extras = [extra for extra in value if extra not in known]
        for extra in extras[:UNKNOWN_NAMED]:
            yield (_key(_within(where, extra)),
                   f"{_show(extra)} is not an accepted field; accepted: {accepted}")
        if len(extras) > UNKNOWN_NAMED:
            more = len(extras) - UNKNOWN_NAMED
            yield (where or BODY_FIELD,
                   f"{more} more fields are not accepted either; accepted: {accepted}")
        return
    field_name = where or BODY_FIELD
    secret = holds_secret(schema)
    subject = field_name if secret else _show(value)
    if kind == "format" and isinstance(error.cause, Explained) and not secret:
        yield field_name, str(error.cause)
        return
    yield field_name, _message(kind, limit, schema, subject, field_name)


def _message(kind, limit, schema, subject: str, field_name: str) -> str:
    if kind == "type":
        expected = limit if isinstance(limit, str) else limit[0]
        return f"{subject} is not a valid {TYPE_NAMES.get(expected, expected)}"
    if kind == "format" or (kind == "pattern" and schema.get("format") not in (None, "password")):
        return f"{subject} is not a valid {schema['format']}"
    if kind == "pattern":
        # one line: the spec's prose wraps
        hint = " ".join(schema.get("description", "").split())
        return f"{subject} is not a valid {field_name}" + (f": {hint}" if hint else "")
    if kind == "enum":
        return f"{subject} is not one of {', '.join(_show(v) for v in limit)}"
    if kind == "minLength":
        return f"{subject} is too short: at least {limit} characters"
    if kind == "maxLength":
        return f"{subject} is too long: at most {limit} characters"
    if kind in ("minimum", "maximum"):
        word = "at least" if kind == "minimum" else "at most"
        return f"{subject} is out of range: {word} {limit}"
    return f"{subject} is not valid: {kind} {_show(limit)}"


def is_secret(schema: dict) -> bool:
    """A secret field's schema: the spec marks each one `format: password` (or `writeOnly`)."""
    return schema.get("format") == "password" or bool(schema.get("writeOnly"))


def holds_secret(schema) -> bool:
    """Whether a value of `schema` is, or may contain, a secret field's value: such a value is
    never quoted, in an error or a log line; the message says what is wrong without it."""
    pending = [schema]
    while pending:
        item = pending.pop()
        if not isinstance(item, dict):
            continue
        if is_secret(item):
            return True
        pending += list(item.get("properties", {}).values())
        pending += [item.get(key) for key in ("items", "additionalProperties", "not")]
        pending += [sub for key in ("allOf", "anyOf", "oneOf") for sub in item.get(key, [])]
    return False


def _within(where: str, member: str) -> str:
    """The dotted name of an object's member, e.g. "credential.response.signature"."""
    return f"{where}.{member}" if where else member


def _key(name: str) -> str:
    """A member's name as the key of its error, cut short like a shown value."""
    return name if len(name) <= SHOWN_CHARS else name[: SHOWN_CHARS - 3] + "..."


def _show(value) -> str:
    """Render a bad value for a message: bare when it is readable text, else as JSON."""
    if isinstance(value, str) and value.strip() and value.isprintable():
        text = value
    else:
        text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
