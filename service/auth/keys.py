"""Mailed keys: 256 random bits, stored only as a SHA-256 hash, each spent once.

A newer key of a kind kills every outstanding key of that kind for the user,
and a password change kills them all. docs/security.md gives the lifecycle.
"""

import hashlib
import secrets
from datetime import timedelta

import peewee

from service.clock import utcnow
from service.db.locks import lock_user
from service.db.models import EmailKey, User

KEY_BYTES = 32  # 256 bits
VERIFY, RESET, CHANGE = "verify", "reset", "change"


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lock_users(users: peewee.Select) -> None:
    """Lock the row `users` selects, if any (users come first in every write path's lock order)."""
    lock_user(users)


def issue(users: peewee.Select, kind: str, key: str, seconds: int, new_email: str | None = None) -> None:
    """Store `key` for each user `users` (a select of User.id) names, killing their older keys of `kind`.

    The same two statements run whether `users` selects a row or none.
    """
    for query in issuing(users, kind, key, seconds, new_email):
        query.execute()


def issuing(users: peewee.Select, kind: str, key: str, seconds: int, new_email: str | None = None) -> list:
    """The two statements of issue(), unrun, for a caller that sends them with others."""
    now = utcnow()
    kill = EmailKey.update(spent_at=now).where(
        EmailKey.user.in_(users) & (EmailKey.kind == kind) & EmailKey.spent_at.is_null()
    )
    values = (kind, digest(key), new_email, now, now + timedelta(seconds=seconds))
    store = EmailKey.insert_from(
        users.select_extend(*(peewee.Value(value) for value in values)),
        [EmailKey.user, EmailKey.kind, EmailKey.key_hash, EmailKey.new_email, EmailKey.created_at,
         EmailKey.expires_at],
    )
    return [kill, store]


def spend(key: str, kinds: tuple) -> EmailKey | None:
    """Spend a live key of one of `kinds`, locking its user first; None for any other key."""
    now = utcnow()
    found = EmailKey.get_or_none(
        (EmailKey.key_hash == digest(key)) & EmailKey.kind.in_(kinds)
        & EmailKey.spent_at.is_null() & (EmailKey.expires_at > now)
    )
    if found is None:
        return None
    lock_users(User.select(User.id).where(User.id == found.user_id))
    spent = EmailKey.update(spent_at=now).where(
        (EmailKey.id == found.id) & EmailKey.spent_at.is_null()
    ).execute()
    return found if spent else None


def kill(user_id: int, kinds: tuple | None = None) -> None:
    """Spend every outstanding key of `user_id` (of `kinds`, or of every kind)."""
    killing(user_id, kinds).execute()


def killing(user_id: int, kinds: tuple | None = None):
    """The statement of kill(), unrun."""
    condition = (EmailKey.user == user_id) & EmailKey.spent_at.is_null()
    if kinds is not None:
        condition &= EmailKey.kind.in_(kinds)
    return EmailKey.update(spent_at=utcnow()).where(condition)


def purge_ended(keep_seconds: int = 0) -> int:
    """Delete keys spent or expired more than `keep_seconds` ago; return how many."""
    cutoff = utcnow() - timedelta(seconds=keep_seconds)
    return EmailKey.delete().where((EmailKey.spent_at < cutoff) | (EmailKey.expires_at < cutoff)).execute()
