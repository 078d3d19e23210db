"""Business rules for users and revoked tokens: plain functions over the models."""

from datetime import datetime

import peewee

from service.auth.challenges import unauthorized
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.db.models import RevokedToken, User, db, utcnow
from service.db.prepared import Prepared
from service.errors import Conflict, Unauthorized

BAD_CREDENTIALS = "email or password does not match"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register(email: str, password: str, passwords: Passwords, admin: bool = False) -> User:
    """Create a user; the database's unique index decides who wins a race."""
    email = normalise_email(email)
    password_hash = passwords.hash(password)
    try:
        with db.atomic():
            return User.create(email=email, password_hash=password_hash, admin=admin)
    except peewee.IntegrityError:
        raise Conflict(f"{email} is already registered") from None


def authenticate(email: str, password: str, passwords: Passwords) -> User:
    """Return the user these credentials belong to; unknown email and wrong password look alike."""
    user = User.get_or_none(User.email == normalise_email(email))
    if not passwords.verify(user.password_hash if user else None, password):
        raise unauthorized(BAD_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
        User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
    return user


def log_in(email: str, password: str, passwords: Passwords, throttle: Throttle) -> User:
    """Authenticate within the account's failure limit: a locked account is refused before any check."""
    throttle.check_account(email)
    try:
        user = authenticate(email, password, passwords)
    except Unauthorized:
        throttle.failed(email)
        raise
    throttle.succeeded(email)
    return user


_TOKEN_HOLDER = Prepared(
    lambda token_id, public_id: User.select(
        User.id, User.public_id, User.email, User.admin, User.registered_on,
        peewee.fn.EXISTS(RevokedToken.select(RevokedToken.id).where(RevokedToken.jti == token_id)),
    ).where(User.public_id == public_id),
    2,
)


def token_holder(token_id: str, public_id: str) -> tuple[User | None, bool]:
    """The user a token names and whether the token is revoked: one indexed query per request."""
    row = _TOKEN_HOLDER.execute(token_id, User.public_id.db_value(public_id)).fetchone()
    if row is None:
        return None, is_revoked(token_id)
    user_id, stored_public_id, email, admin, registered_on, revoked = row
    user = User(
        id=user_id,
        public_id=User.public_id.python_value(stored_public_id),
        email=email,
        admin=User.admin.python_value(admin),
        registered_on=User.registered_on.python_value(registered_on),
    )
    return user, bool(revoked)


def is_revoked(token_id: str) -> bool:
    return RevokedToken.select().where(RevokedToken.jti == token_id).exists()


def revoke(token_id: str, expires_at: datetime) -> None:
    """Record a token as revoked (idempotent), and drop entries that have expired anyway."""
    with db.atomic():
        RevokedToken.insert(jti=token_id, expires_at=expires_at.replace(tzinfo=None)).on_conflict_ignore().execute()
    purge_expired()


def purge_expired() -> int:
    """Delete revocation entries whose tokens have expired; return how many."""
    return RevokedToken.delete().where(RevokedToken.expires_at < utcnow()).execute()
