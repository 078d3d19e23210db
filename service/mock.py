"""`widget-api mock`: the spec's examples served for client developers, with the service's errors.

connexion (a test extra) routes and validates requests from openapi/api.yaml and
answers each operation with its documented example. Its own errors are RFC 7807
problems (`{"type": "about:blank", ...}`); here they take the envelope the service
answers with, so a client written against the mock handles the real service's errors.

    python -m service.mock [--host 127.0.0.1] [--port 8080]
"""

import argparse
import json
import os
import re
from http import HTTPStatus

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from connexion.mock import MockResolver
from connexion.validators import ParameterValidator
from starlette.exceptions import HTTPException

from service.auth.challenges import unauthorized
from service.errors import VALIDATION_MESSAGE, ApiError
from service.spec.document import SPEC_PATH

BODY_FIELD = "body"
# The shapes of connexion's validation messages, each naming its field.
FIELD_AT_END = re.compile(r" - '(?P<name>[^'.]+)[^']*'$")  # "<message> - '<path.to.field>'"
REQUIRED = re.compile(r"'(?P<name>[^']+)' is a required property")
PARAMETER = re.compile(
    r"(?:Missing )?(?:query|path|header|cookie) parameter '(?P<name>[^']+)'(?:: (?P<message>.+))?"
)


def accept_any_bearer_token(token: str) -> dict:
    """Let the mock take any bearer token: its answers are the spec's examples anyway."""
    return {"sub": "mock-user"}


def create_mock_app() -> AsyncApp:
    """connexion's mock of every operation, its errors in the service's envelope."""
    os.environ["BEARERINFO_FUNC"] = f"service.mock.{accept_any_bearer_token.__name__}"
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
    create_mock_app().run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
