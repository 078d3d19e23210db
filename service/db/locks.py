"""Row locks taken in one order by every write, so that no two writes wait for each other.

docs/architecture.md ("Locks") gives the order: users, sessions, refresh_tokens, widgets,
widget_total, auth_throttles, revoked_tokens, then the tables added after them. A write
of a user's dependent rows locks the user's row first: a deletion of the user (which
cascades users -> widgets, sessions -> refresh_tokens) then waits for that write, or the
write finds the user gone, instead of each holding what the other needs.
"""

from contextlib import contextmanager

import peewee

from service.db.models import User, db


@contextmanager
def write_transaction():
    """A transaction that writes from its first statement; SQLite takes its one write lock up front.

    A SQLite transaction that reads before it writes would otherwise fail at once
    (database locked) when another writer committed in between.
    """
    if isinstance(db.obj, peewee.SqliteDatabase):
        with db.atomic("IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


def lock_user(user_id) -> bool:
    """Lock the row of the user `user_id` names (an id or a subquery) for this transaction;
    False when the user is gone. Call it first inside `write_transaction()`.

    PostgreSQL: FOR NO KEY UPDATE, the lock a deletion of the row waits for (and which
    waits for a deletion), while rows that merely point at the user (a new widget, a
    new session) are still inserted alongside. SQLite: the transaction holds the one
    write lock already; the read tells whether the user is still there.
    """
    query = User.select(User.id).where(User.id == user_id)
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        query = query.for_update("FOR NO KEY UPDATE")
    return query.tuples().first() is not None
