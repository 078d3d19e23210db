"""Access tokens: signed JWTs with an explicit algorithm, required claims and rotating keys."""

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from service.clock import unix_now

TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, never another kind of JWT
REQUIRED_CLAIMS = ("exp", "iat", "sub", "jti")
EXPIRED = "Access token expired. Please log in again."
INVALID = "Invalid token. Please log in again."
MAX_TIMESTAMP = 253402300800  # 10000-01-01: past it a date cannot be represented
LATEST = datetime.max.replace(tzinfo=UTC)
VERIFIED_TOKENS = 4096  # tokens whose signature and claims each worker remembers


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
    accepted_until: datetime  # expires_at plus the leeway: a revocation must last this long
    session_id: str | None = None  # `sid`; absent only from tokens issued before sessions existed

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.expires_at - now).total_seconds()))


def key_id(secret: str) -> str:
    """Name a key by a short one-way hash of it: the `kid` never reveals the key."""
    return hashlib.sha256(b"widget-api key id\x00" + secret.encode()).hexdigest()[:16]


class Tokens:
    """Issue tokens with the current key; check them against the current and previous keys."""

    def __init__(
        self,
        secret: str,
        algorithm: str,
        lifetime_seconds: int,
        leeway_seconds: int = 0,
        *,
        previous_secrets=(),
        issuer: str | None = None,
        audience: str | None = None,
    ):
        self.secret = secret
        self.algorithm = algorithm
        self.lifetime_seconds = lifetime_seconds
        self.leeway_seconds = leeway_seconds
        self.issuer = issuer
        self.audience = audience
        self.kid = key_id(secret)
        # RFC 8725 §3.10: a kid only ever selects one of these, never a path or a query
        self._keys = {key_id(key): key for key in previous_secrets}
        self._keys[self.kid] = secret
        self._verified = functools.lru_cache(maxsize=VERIFIED_TOKENS)(self._verified)

    @classmethod
    def from_settings(cls, settings) -> "Tokens":
        return cls(
            settings.secret_key,
            settings.jwt_algorithm,
            settings.token_expire_seconds,
            settings.token_leeway_seconds,
            previous_secrets=settings.previous_secret_keys,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
        )

    def issue(self, subject: str, admin: bool, session_id: str | None = None) -> str:
        """Sign a fresh token for a user's public id, naming the session it belongs to."""
        now = unix_now()
        claims = {
            "sub": subject,
            "admin": admin,
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        if session_id is not None:
            claims["sid"] = session_id
        if self.issuer:
            claims["iss"] = self.issuer
        if self.audience:
            claims["aud"] = self.audience
        headers = {"typ": TOKEN_TYPE, "kid": self.kid}
        return jwt.encode(claims, self.secret, self.algorithm, headers=headers)

    def decode(self, token: str) -> Claims:
        """Verify key, signature, algorithm, type, claim types and times; raise TokenError if any fails."""
        claims, exp = self._verified(token)
        if exp <= unix_now() - self.leeway_seconds:
            raise TokenError(EXPIRED)
        return claims

    def _verified(self, token: str) -> tuple:
        """Everything about a token that cannot change with time, remembered per token string.

        The keys and rules are fixed for the life of the process, so a token that
        verified once verifies again; only `exp` is checked on every use (by
        `decode`). Refused tokens raise and are not remembered.
        """
        try:
            payload = jwt.decode(
                token,
                self._key_for(jwt.get_unverified_header(token)),
                algorithms=[self.algorithm],
                # exp is checked by decode(), once its type is known: pyjwt takes `true` for 1
                options={"require": self._required_claims(), "verify_exp": False},
                leeway=self.leeway_seconds,
                issuer=self.issuer,
                audience=self.audience,
            )
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
            # pyjwt raises TypeError, not a PyJWTError, for claims such as null, [] or {}
            raise TokenError(INVALID) from None
        return _claims(payload, self.leeway_seconds), payload["exp"]

    def _key_for(self, header: dict) -> str:
        """The key a token names: its kid among the configured keys; none named, the current one."""
        if header.get("typ") != TOKEN_TYPE:
            raise TokenError(INVALID)
        if "kid" not in header:
            return self.secret  # tokens issued before key ids existed
        kid = header["kid"]
        if not isinstance(kid, str) or kid not in self._keys:
            raise TokenError(INVALID)
        return self._keys[kid]

    def _required_claims(self) -> list:
        extra = [name for name, value in (("iss", self.issuer), ("aud", self.audience)) if value]
        return [*REQUIRED_CLAIMS, *extra]


def _claims(payload: dict, leeway_seconds: int) -> Claims:
    """Accept only well-typed claims: pyjwt lets a numeric-string `exp` through."""
    sub, jti, exp = payload.get("sub"), payload.get("jti"), payload.get("exp")
    sid = payload.get("sid")
    if not (isinstance(sub, str) and isinstance(jti, str) and 0 < len(jti) <= 64):
        raise TokenError(INVALID)
    if "sid" in payload and not (isinstance(sid, str) and _is_uuid(sid)):
        raise TokenError(INVALID)
    times = [payload[name] for name in ("exp", "iat", "nbf") if name in payload]
    if not all(type(value) is int and 0 <= value < MAX_TIMESTAMP for value in times):
        raise TokenError(INVALID)
    if not _is_uuid(sub):
        raise TokenError(INVALID)
    expires_at = datetime.fromtimestamp(exp, UTC)
    return Claims(sub, jti, expires_at, accepted_until(expires_at, leeway_seconds), sid)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def accepted_until(expires_at: datetime, leeway_seconds: int) -> datetime:
    """The moment `decode` stops accepting a token that expires at `expires_at`."""
    if leeway_seconds >= (LATEST - expires_at).total_seconds():
        return LATEST
    return expires_at + timedelta(seconds=leeway_seconds)
