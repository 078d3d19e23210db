"""Middleware that holds every request and response to the spec."""

import logging

import falcon

from service.errors import ApiError, NotFound, ValidationFailed, render
from service.spec.routing import PathResource, operation_of
from service.spec.validator import Validator

log = logging.getLogger(__name__)


class ContractMiddleware:
    """Validate requests before handlers run; in development and testing, responses after."""

    def __init__(self, validator: Validator, check_responses: bool, allow_preflight: bool = False):
        self.validator = validator
        self.check_responses = check_responses
        self.allow_preflight = allow_preflight

    def process_resource(self, req, resp, resource, params):
        op = operation_of(req, resource)
        if op is None and isinstance(resource, PathResource):
            if self.allow_preflight and is_preflight(req):
                return  # Falcon's OPTIONS responder and the CORS middleware answer it
            raise falcon.HTTPMethodNotAllowed(sorted(resource.operations))
        if op is not None:
            try:
                req.context.inputs = self.validator.request(op, req, params)
            except ValidationFailed as failed:
                if names_nothing(req, params, failed.errors):
                    raise NotFound(
                        f"{req.path} names nothing: the collection is {req.path.rstrip('/')}, "
                        "without the trailing slash."
                    ) from None
                raise

    def process_response(self, req, resp, resource, req_succeeded):
        op = operation_of(req, resource)
        if op is None or not self.check_responses:
            return
        problems = self.validator.response(op, resp)
        if problems:
            log.error(
                "RESPONSE BREAKS THE SPEC: %s %s -> %s: %s",
                req.method, req.path, resp.status, "; ".join(problems),
            )
            render(resp, ApiError())


def names_nothing(req, params: dict, errors: dict) -> bool:
    """A trailing slash on a collection (`/api/v1/widgets/`): the path's own parameter is empty
    and the spec refuses it empty, so the request is about no item at all."""
    return req.path.endswith("/") and any(
        value == "" and name in errors for name, value in params.items()
    )


def is_preflight(req) -> bool:
    """A browser's CORS preflight: OPTIONS naming an origin and the method it means to use."""
    return (
        req.method == "OPTIONS"
        and req.get_header("Origin") is not None
        and req.get_header("Access-Control-Request-Method") is not None
    )
