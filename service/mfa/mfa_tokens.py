"""MFA tokens: what a login whose password was right, on an account with a second factor, gets
instead of tokens. Opaque (256 random bits), stored only as SHA-256, single use, valid five
minutes, and bound to the account and the client's address family (IPv4 or IPv6)."""

import hashlib
import secrets
from datetime import timedelta

from service.auth.addresses import parse_address
from service.auth.challenges import unauthorized
from service.auth.writes import must_write
from service.clock import utcnow
from service.db.models import MfaToken, User, db

LIFETIME_SECONDS = 300
TOKEN_BYTES = 32
INVALID = "Invalid or expired mfa_token. Please log in again."


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def family(address: str) -> int:
    """4 or 6 for a client address or network as the limits key it; 0 when unknown."""
    parsed = parse_address(address.partition("/")[0])
    return parsed.version if parsed else 0


def issue(user: User, address: str) -> str:
    token, now = secrets.token_urlsafe(TOKEN_BYTES), utcnow()
    with must_write("an MFA token"), db.atomic():
        MfaToken.delete().where(MfaToken.expires_at <= now).execute()
        MfaToken.create(
            token_hash=digest(token), user=user.id, address_family=family(address),
            expires_at=now + timedelta(seconds=LIFETIME_SECONDS),
        )
    return token


def holder(token: str, address: str) -> User:
    """The user an unspent, unexpired token of this address family names; 401 otherwise."""
    row = (
        MfaToken.select(MfaToken, User).join(User)
        .where(
            (MfaToken.token_hash == digest(token)) & MfaToken.spent_at.is_null()
            & (MfaToken.expires_at > utcnow()) & (MfaToken.address_family == family(address))
        )
        .first()
    )
    if row is None:
        raise unauthorized(INVALID)
    return row.user


def spend(token: str) -> None:
    """Use the token up; of two racing uses exactly one passes, the other gets the 401."""
    with must_write("an MFA token"), db.atomic():
        spent = MfaToken.update(spent_at=utcnow()).where(
            (MfaToken.token_hash == digest(token)) & MfaToken.spent_at.is_null()
        ).execute()
    if not spent:
        raise unauthorized(INVALID)
