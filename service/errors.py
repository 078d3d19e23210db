"""One error hierarchy, rendered as one envelope, in one place."""

import json
import logging
from http import HTTPStatus

import falcon

log = logging.getLogger(__name__)

VALIDATION_MESSAGE = "Input payload validation failed"
RETRY_AFTER_SECONDS = 5
# An error body stays a few KB whatever the request made its messages quote: each name and
# message is cut at these lengths, and entries past ERRORS_BUDGET characters (as escaped
# JSON, the largest form) are counted instead of listed.
NAME_CHARS, MESSAGE_CHARS, ERRORS_BUDGET = 100, 400, 4000


class ApiError(Exception):
    """An error the client is told about: status, message, optional fields and headers."""

    status = 500
    default_message = "Internal Server Error"

    def __init__(self, message: str | None = None, *, errors=None, headers=None):
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.message)

    def envelope(self) -> dict:
        body = {"status": "fail", "message": clip(text(self.message), MESSAGE_CHARS)}
        if self.errors:
            body["errors"] = bounded_errors(self.errors)
        return body


class BadRequest(ApiError):
    status = 400
    default_message = VALIDATION_MESSAGE


class ValidationFailed(BadRequest):
    """The request breaks the spec; `errors` names every failing field."""

    def __init__(self, errors: dict):
        super().__init__(VALIDATION_MESSAGE, errors=errors)


class Unauthorized(ApiError):
    status = 401
    default_message = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    default_message = "Forbidden"


class NotFound(ApiError):
    status = 404
    default_message = "Not Found"


class Conflict(ApiError):
    status = 409
    default_message = "Conflict"


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "Request body too large"


class PreconditionFailed(ApiError):
    """If-Match or If-None-Match does not hold (RFC 9110 §13.1): nothing was changed."""

    status = 412
    default_message = "Precondition Failed"


class UnsupportedMediaType(ApiError):
    status = 415
    default_message = "Unsupported Content-Type"


class TooManyRequests(ApiError):
    """A 429 whose Retry-After tells when the limit lifts."""

    status = 429
    default_message = "Too many requests. Please try again later."

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    status = 503
    default_message = "Service temporarily unavailable, please retry"

    def __init__(self, message: str | None = None):
        super().__init__(message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def text(value: str) -> str:
    """`value` as text any encoder accepts: a message may quote what a client sent, and a
    lone surrogate (valid in a JSON string, not in UTF-8) is shown escaped instead."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def clip(value: str, limit: int) -> str:
    """`value`, or its first `limit` characters and an ellipsis."""
    return value if len(value) <= limit else value[: limit - 3] + "..."


def bounded_errors(errors: dict) -> dict:
    """The field errors in order, each clipped, as many as fit ERRORS_BUDGET; the rest counted."""
    shown, used = {}, 0
    items = list(errors.items())
    for index, (name, message) in enumerate(items):
        name, message = clip(text(name), NAME_CHARS), clip(text(message), MESSAGE_CHARS)
        used += len(json.dumps(name)) + len(json.dumps(message))
        if used > ERRORS_BUDGET:
            shown["..."] = f"{len(items) - index} more errors are not shown"
            break
        shown[name] = message
    return shown


def www_authenticate(realm: str, error: str | None = None, description: str | None = None) -> str:
    """Build an RFC 6750 section 3 challenge."""
    value = f'Bearer realm="{realm}"'
    if error:
        value += f', error="{error}", error_description="{description}"'
    return value


def render(resp: falcon.Response, error: ApiError) -> None:
    """Write `error` to `resp` as the envelope."""
    resp.status = error.status
    resp.media = error.envelope()
    for name, value in error.headers.items():
        resp.set_header(name, value)


def handle_api_error(req, resp, error: ApiError, params) -> None:
    render(resp, error)


def handle_http_error(req, resp, error: falcon.HTTPError, params) -> None:
    """Give Falcon's own errors (404 route, 405 method, ...) the envelope."""
    resp.status = error.status
    resp.media = {"status": "fail", "message": HTTPStatus(error.status_code).phrase}
    for name, value in (error.headers or {}).items():
        resp.set_header(name, value)


def handle_unexpected(req, resp, error: Exception, params) -> None:
    """Log the traceback and answer a bare 500: internals never leave the server."""
    log.exception("unhandled error on %s %s", req.method, req.path)
    render(resp, ApiError())


def install(app: falcon.App) -> None:
    """Register the handlers; Falcon picks the most specific one for each error."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(ApiError, handle_api_error)
