"""`widget-api mock`: the spec's examples served for client developers, with the service's errors.

connexion (a test extra) routes and validates requests from openapi/api.yaml and
answers each operation with its documented example. Its own errors are RFC 7807
problems (`{"type": "about:blank", ...}`); here they take the envelope the service
answers with, so a client written against the mock handles the real service's errors.
The docs operations (`/`, the spec, the Swagger UI page and its files) are the
service's own handlers, so the mock serves the same spec, page and redirect.

    python -m service.mock [--host 127.0.0.1] [--port 8080]
"""

import argparse
import io
import json
import logging
import os
import re
import sys
from dataclasses import replace
from http import HTTPStatus

import falcon
import uvicorn
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from connexion.mock import MockResolver
from connexion.validators import ParameterValidator
from starlette.exceptions import HTTPException

from service import errors, headers, media
from service.auth.challenges import unauthorized
from service.docs import DocsHandlers
from service.errors import VALIDATION_MESSAGE, ApiError
from service.spec.document import SPEC_PATH, load_spec
from service.spec.middleware import ContractMiddleware
from service.spec.routing import add_routes
from service.spec.validator import Validator

BODY_FIELD = "body"
DOCS_GROUP = "docs"
TEMPLATE_PARAMETER = re.compile(r"\\\{[^/]*?\\\}")  # `{name}` in a path template, as re.escape writes it
DOCS_MAX_BODY_BYTES = 1024  # the docs operations take no body
# connexion validates a body by the media type it arrives in; this warning is about the
# definition it hands its query parser, and repeats on every request to such an operation.
MULTIPLE_CONTENT_TYPES = "this operation accepts multiple content types"
# The shapes of connexion's validation messages, each naming its field.
FIELD_AT_END = re.compile(r" - '(?P<name>[^'.]+)[^']*'$")  # "<message> - '<path.to.field>'"
REQUIRED = re.compile(r"'(?P<name>[^']+)' is a required property")
PARAMETER = re.compile(
    r"(?:Missing )?(?:query|path|header|cookie) parameter '(?P<name>[^']+)'(?:: (?P<message>.+))?"
)


def accept_any_bearer_token(token: str) -> dict:
    """Let the mock take any bearer token: its answers are the spec's examples anyway."""
    return {"sub": "mock-user"}


def create_mock_app() -> "MockApp":
    """The service's docs operations, and connexion's mock of every other one."""
    spec = load_spec()
    return MockApp(create_examples_app(), create_docs_app(spec), spec)


def create_examples_app() -> AsyncApp:
    """connexion's mock of every operation, its errors in the service's envelope."""
    os.environ["BEARERINFO_FUNC"] = f"service.mock.{accept_any_bearer_token.__name__}"
    logging.getLogger("connexion.operations.openapi3").addFilter(
        lambda record: not record.getMessage().startswith(MULTIPLE_CONTENT_TYPES)
    )
    app = AsyncApp(__name__)
    app.add_api(
        SPEC_PATH,
        resolver=MockResolver(mock_all=True),
        validator_map={"parameter": NamedParameterValidator},
    )
    app.add_error_handler(ProblemException, answer_problem)
    app.add_error_handler(HTTPException, answer_http_exception)
    app.add_error_handler(Exception, answer_unexpected)
    return app


def create_docs_app(spec) -> falcon.App:
    """The service's docs operations, held to the spec as the service holds them."""
    docs = replace(spec, operations=tuple(op for op in spec.operations if is_docs(op)))
    app = falcon.App(
        middleware=[
            ContractMiddleware(Validator(docs.operations, DOCS_MAX_BODY_BYTES), check_responses=False),
            *headers.middleware(()),
        ]
    )
    errors.install(app)
    media.install(app)
    add_routes(app, docs, {DOCS_GROUP: DocsHandlers(spec)})
    return app


def is_docs(op) -> bool:
    return op.id.partition(".")[0] == DOCS_GROUP


class MockApp:
    """An ASGI app: requests on a docs path go to the service's docs, the rest to the examples."""

    def __init__(self, examples: AsyncApp, docs: falcon.App, spec):
        self.examples = examples
        self.docs = docs
        templates = {op.path for op in spec.operations if is_docs(op)}
        self.docs_paths = re.compile(
            "|".join(TEMPLATE_PARAMETER.sub("[^/]*", re.escape(path)) for path in sorted(templates))
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.docs_paths.fullmatch(scope["path"]):
            await call_wsgi(self.docs, scope, send)
        else:
            await self.examples(scope, receive, send)


async def call_wsgi(app, scope, send) -> None:
    """Answer a bodiless ASGI request with a WSGI app (the docs take no body)."""
    status_line, response_headers = "500", []

    def start_response(status, headers_list, exc_info=None):
        nonlocal status_line, response_headers
        status_line, response_headers = status, headers_list

    body = b"".join(app(wsgi_environ(scope), start_response))
    await send({
        "type": "http.response.start",
        "status": int(status_line.split()[0]),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in response_headers],
    })
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def wsgi_environ(scope) -> dict:
    """The WSGI environ of an ASGI HTTP request without a body."""
    host, port = scope.get("server") or ("127.0.0.1", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),  # PEP 3333's bytes as str
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": (scope.get("client") or ("127.0.0.1", 0))[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value.decode("latin-1")
    return environ


def answer_problem(request, problem: ProblemException) -> ConnexionResponse:
    """A refused request (400, 401, 415, ...) as the service would refuse it."""
    if problem.status == 401:
        return envelope(unauthorized())
    if problem.status == 400:
        field, message = field_and_message(problem.detail or "")
        return envelope(ApiError(VALIDATION_MESSAGE, errors={field: message}), 400)
    message = problem.detail if problem.status == 415 else HTTPStatus(problem.status).phrase
    return envelope(ApiError(message, headers=dict(problem.headers or {})), problem.status)


def answer_http_exception(request, error: HTTPException) -> ConnexionResponse:
    """No such path (404) or method (405, with Allow)."""
    phrase = HTTPStatus(error.status_code).phrase
    return envelope(ApiError(phrase, headers=dict(error.headers or {})), error.status_code)


def answer_unexpected(request, error: Exception) -> ConnexionResponse:
    return envelope(ApiError(), 500)


def field_and_message(detail: str) -> tuple:
    """The field a connexion validation message names (else `body`), and the message itself."""
    first_line = detail.splitlines()[0] if detail else "the request breaks the spec"
    at_end = FIELD_AT_END.search(first_line)
    if at_end:
        return at_end["name"], first_line[: at_end.start()]
    parameter = PARAMETER.fullmatch(first_line)
    if parameter:
        return parameter["name"], parameter["message"] or first_line
    required = REQUIRED.match(first_line)
    return (required["name"] if required else BODY_FIELD), first_line


class NamedParameterValidator(ParameterValidator):
    """connexion's parameter validator, its messages naming the parameter they are about."""

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error and not PARAMETER.fullmatch(error):
            return f"{parameter_type} parameter '{param['name']}': {error.splitlines()[0]}"
        return error


def envelope(error: ApiError, status: int | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status or error.status,
        mimetype="application/json",
        body=json.dumps(error.envelope()),
        headers=error.headers,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    uvicorn.run(create_mock_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
