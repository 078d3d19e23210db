"""Access tokens: signed JWTs with an explicit algorithm and required claims."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, never another kind of JWT
REQUIRED_CLAIMS = ("exp", "iat", "sub", "jti")
EXPIRED = "Access token expired. Please log in again."
INVALID = "Invalid token. Please log in again."


class TokenError(Exception):
    """A presented token is refused; the message is the client's."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Claims:
    subject: str
    token_id: str
    expires_at: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.expires_at - now).total_seconds()))


class Tokens:
    """Issue and check access tokens with one secret and one algorithm."""

    def __init__(self, secret: str, algorithm: str, lifetime_seconds: int, leeway_seconds: int = 0):
        self.secret = secret
        self.algorithm = algorithm
        self.lifetime_seconds = lifetime_seconds
        self.leeway_seconds = leeway_seconds

    def issue(self, subject: str, admin: bool) -> str:
        """Sign a fresh token for a user's public id."""
        now = int(datetime.now(UTC).timestamp())
        claims = {
            "sub": subject,
            "admin": admin,
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, self.algorithm, headers={"typ": TOKEN_TYPE})

    def decode(self, token: str) -> Claims:
        """Verify signature, algorithm, type, expiry and claim types; raise TokenError if any fails."""
        try:
            if jwt.get_unverified_header(token).get("typ") != TOKEN_TYPE:
                raise TokenError(INVALID)
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                options={"require": list(REQUIRED_CLAIMS)},
                leeway=self.leeway_seconds,
            )
        except jwt.ExpiredSignatureError:
            raise TokenError(EXPIRED) from None
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
            # pyjwt raises TypeError, not a PyJWTError, for claims such as null, [] or {}
            raise TokenError(INVALID) from None
        return _claims(payload)


def _claims(payload: dict) -> Claims:
    """Accept only well-typed claims: pyjwt lets a numeric-string `exp` through."""
    sub, jti, exp = payload.get("sub"), payload.get("jti"), payload.get("exp")
    if not (isinstance(sub, str) and isinstance(jti, str) and 0 < len(jti) <= 64):
        raise TokenError(INVALID)
    if type(exp) is not int or type(payload.get("iat")) is not int:
        raise TokenError(INVALID)
    try:
        uuid.UUID(sub)
    except ValueError:
        raise TokenError(INVALID) from None
    return Claims(subject=sub, token_id=jti, expires_at=datetime.fromtimestamp(exp, UTC))
