"""Response headers that protect browsers and caches, and the CORS policy."""

import falcon

from service.spec.routing import operation_of

NOSNIFF = "nosniff"
NO_STORE = "no-store"
# The docs page loads only its own scripts and styles, and runs no inline ones:
# Swagger UI styles elements through the DOM (which CSP allows) and draws its
# icons from data: URIs, its one allowance.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
EXPOSED = (
    "Location", "Link", "Total-Count", "Retry-After", "WWW-Authenticate", "X-Request-ID",
    "RateLimit-Policy", "RateLimit", "ETag", "Idempotent-Replayed",
)


class SecurityHeaders:
    """nosniff on every response; no-store on all but the docs; a CSP on HTML pages."""

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Content-Type-Options", NOSNIFF)
        if not _cacheable(operation_of(req, resource)) and resp.get_header("Cache-Control") is None:
            resp.set_header("Cache-Control", NO_STORE)
        if (resp.content_type or "").startswith(falcon.MEDIA_HTML):
            resp.set_header("Content-Security-Policy", DOCS_POLICY)


def _cacheable(op) -> bool:
    """Operations the spec marks `x-cacheable`: public answers, the same for everyone."""
    return op is not None and op.cacheable


class Cors(falcon.CORSMiddleware):
    """Falcon's CORS policy for the configured origins, telling caches that answers vary by Origin."""

    def __init__(self, origins: tuple):
        super().__init__(
            allow_origins="*" if origins == ("*",) else origins, expose_headers=EXPOSED
        )

    def process_response(self, req, resp, resource, req_succeeded):
        super().process_response(req, resp, resource, req_succeeded)
        if self.allow_origins != "*":
            resp.append_header("Vary", "Origin")


def middleware(cors_origins: tuple) -> list:
    """The header middleware, in the order the app lists it (after the contract gate)."""
    return [SecurityHeaders(), *([Cors(cors_origins)] if cors_origins else [])]
