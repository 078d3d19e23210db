"""Business rules for administering users: plain functions over the models.

There is always at least one administrator: a demotion or deletion that would
leave none is refused. The administrators' rows and the changed user's are locked
(PostgreSQL, in the order of their ids) or the database's write lock taken
(SQLite) before counting them, so two concurrent requests cannot each remove the
other's last colleague; the changed user's row is locked before the rows that
cascade from it (docs/architecture.md, "Locks").
"""

import uuid
from contextlib import contextmanager

import peewee

from service.auth.writes import must_write
from service.db.models import User, db
from service.errors import Conflict, NotFound

LAST_ADMIN = "There must always be at least one administrator"


def not_found(public_id: str) -> NotFound:
    return NotFound(f"user {public_id} not found")


def listing(offset: int, limit: int) -> tuple[int, list[User]]:
    """How many users there are, and `limit` of them from `offset`, oldest first."""
    total = User.select().count()
    users = list(
        User.select(User.id, User.public_id, User.email, User.admin, User.registered_on)
        .order_by(User.registered_on, User.id)
        .limit(limit)
        .offset(offset)
    )
    return total, users


def find(public_id: str) -> User:
    """The user with this public id; NotFound otherwise."""
    user = User.get_or_none(User.public_id == _uuid(public_id))
    if user is None:
        raise not_found(public_id)
    return user


def set_admin(public_id: str, admin: bool) -> User:
    """Grant or take administrator rights; it takes effect on the user's next request."""
    with must_write("a user's rights"), _admins_locked(public_id):
        user = find(public_id)
        if user.admin and not admin:
            _keep_an_admin(user)
        User.update(admin=admin).where(User.id == user.id).execute()
    user.admin = admin
    return user


def delete(public_id: str) -> None:
    """Remove a user: their sessions and widgets go with the row (cascade)."""
    with must_write("a user's deletion"), _admins_locked(public_id):
        user = find(public_id)
        if user.admin:
            _keep_an_admin(user)
        User.delete().where(User.id == user.id).execute()


def _keep_an_admin(leaving: User) -> None:
    others = User.select().where(User.admin & (User.id != leaving.id)).count()
    if not others:
        raise Conflict(LAST_ADMIN)


@contextmanager
def _admins_locked(public_id: str):
    """A transaction in which no other may change who is an administrator, nor write the rows of
    the user `public_id` names."""
    if isinstance(db.obj, peewee.SqliteDatabase):
        with db.atomic("IMMEDIATE"):
            yield
        return
    with db.atomic():
        changed = User.public_id == _uuid(public_id)
        list(User.select(User.id).where(User.admin | changed).order_by(User.id).for_update())
        yield


def _uuid(public_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(public_id)
    except ValueError:
        return None
