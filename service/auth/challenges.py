"""The 401 and 403 answers, each with its RFC 6750 WWW-Authenticate challenge."""

from service.errors import Forbidden, Unauthorized, www_authenticate

USERS_REALM = "registered_users@widget-api"
ADMINS_REALM = "admin_users@widget-api"
NOT_ADMIN = "You are not an administrator"
BLACKLISTED = "Token blacklisted. Please log in again."
BAD_CREDENTIALS = "email or password does not match"
SESSION_ENDED = "Token blacklisted: its session has ended. Please log in again."
NOT_BEARER = "Unauthorized: send the token in the Bearer scheme (Authorization: Bearer <token>)"


def unauthorized(message: str = "Unauthorized", refused_token: bool = False) -> Unauthorized:
    """A 401; when a token was presented and refused, the challenge says why."""
    error = "invalid_token" if refused_token else None
    challenge = www_authenticate(USERS_REALM, error, message)
    return Unauthorized(message, headers={"WWW-Authenticate": challenge})


def not_admin() -> Forbidden:
    challenge = www_authenticate(ADMINS_REALM, "insufficient_scope", NOT_ADMIN)
    return Forbidden(NOT_ADMIN, headers={"WWW-Authenticate": challenge})
