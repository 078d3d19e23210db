"""Business rules for users and revoked tokens: plain functions over the models."""

from datetime import datetime

import peewee

from service.auth.challenges import unauthorized
from service.auth.passwords import Passwords
from service.db.models import RevokedToken, User, db, utcnow
from service.errors import Conflict

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


def find_user(public_id: str) -> User | None:
    return User.get_or_none(User.public_id == public_id)


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
