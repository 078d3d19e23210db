"""Bearer-token authentication for every operation the spec marks as secured."""

from service.auth import accounts
from service.auth.challenges import (
    BLACKLISTED,
    NOT_BEARER,
    SESSION_ENDED,
    not_admin,
    unauthorized,
)
from service.auth.tokens import INVALID, TokenError, Tokens
from service.spec.routing import operation_of


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).

    A scheme with no token (`Bearer`, `Bearer   `) carries no authentication information,
    so it gets the plain challenge with no error code (RFC 6750 section 3.1), like no header.
    """
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def other_scheme(header: str | None) -> bool:
    """Whether `header` carries credentials in a scheme other than Bearer (`Token x`, a bare token).

    Its answer stays RFC 6750's bare challenge; only the message says which scheme is expected.
    """
    return bool(header and header.strip()) and header.strip().partition(" ")[0].lower() != "bearer"


class AuthMiddleware:
    """Check signature, algorithm, expiry, revocation and the user's row; then admin rights."""

    def __init__(self, tokens: Tokens):
        self.tokens = tokens

    def process_resource(self, req, resp, resource, params):
        op = operation_of(req, resource)
        if op is None or not op.secured:
            return
        header = req.get_header("Authorization")
        token = bearer_token(header)
        if token is None:
            raise unauthorized(NOT_BEARER if other_scheme(header) else "Unauthorized")
        try:
            claims = self.tokens.decode(token)
        except TokenError as refused:
            raise unauthorized(refused.message, refused_token=True) from None
        user, revoked = accounts.token_holder(claims.token_id, claims.subject, claims.session_id)
        if revoked:
            ended = revoked == accounts.SESSION_ENDED
            raise unauthorized(SESSION_ENDED if ended else BLACKLISTED, refused_token=True)
        if user is None:
            raise unauthorized(INVALID, refused_token=True)
        if op.admin_only and not user.admin:
            raise not_admin()
        req.context.user = user
        req.context.claims = claims
