"""One write transaction per change of a user's factors, the user's row locked first.

The team's lock order (docs/architecture.md): users, ..., then the MFA rows
(TOTP, recovery codes, MFA tokens, passkeys, ceremonies). SQLite has one
writer: its IMMEDIATE transaction takes the write lock up front instead.
"""

from contextlib import contextmanager

import peewee

from service.auth.writes import must_write
from service.db.models import User, db


@contextmanager
def user_locked(user_id: int, what: str):
    """Run the block in one transaction holding `user_id`'s row; 503 if it cannot be written."""
    with must_write(what):
        if isinstance(db.obj, peewee.SqliteDatabase):
            with db.atomic("IMMEDIATE"):
                yield
        else:
            with db.atomic():
                User.select(User.id).where(User.id == user_id).for_update().execute()
                yield
