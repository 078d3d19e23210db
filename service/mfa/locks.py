"""One write transaction per change of a user's factors, the user's row locked first.

The lock order (docs/architecture.md, "Locks"): users, ..., then the MFA rows
(TOTP, recovery codes, MFA tokens, passkeys, ceremonies).
"""

from contextlib import contextmanager

from service.auth.writes import must_write
from service.db.locks import lock_user, write_transaction


@contextmanager
def user_locked(user_id: int, what: str):
    """Run the block in one transaction holding `user_id`'s row; 503 if it cannot be written."""
    with must_write(what), write_transaction():
        lock_user(user_id)
        yield
