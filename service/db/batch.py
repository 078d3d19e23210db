"""Several statements sent to PostgreSQL as one message: one round trip, one transaction.

A transaction that locks a row and then reads what the lock guards needs two statements
(under READ COMMITTED each statement reads a snapshot taken when it starts, so only a
statement begun after the lock sees what its holder committed). Sent as one simple-query
message after BEGIN, they run as one transaction, each statement on its own snapshot, and
the client waits for that message and for COMMIT instead of for BEGIN, each statement and
COMMIT. COMMIT goes only once the client has read every result: a worker killed while a
statement waits for a lock leaves nothing behind, as with any transaction it had begun
(an implicit transaction would commit when the lock came, for a client long gone). Values
are bound by the driver on the client side, so each statement is rendered by peewee as usual.
"""

import contextlib
import logging

import peewee

from service.db.models import db

log = logging.getLogger(__name__)

try:
    import psycopg
except ImportError:  # psycopg2 alone is installed
    psycopg = None


def run_together(*queries, with_commit=()):
    """Run peewee `queries` on PostgreSQL in one message, as one transaction (within the
    caller's, if any); return the rows of the last one.

    `with_commit`: statements that are worth no failure of the rest (a login's throttle
    counters), sent in the message of COMMIT under a savepoint; should one fail, it alone is
    undone and logged, and the rest commits.
    """
    own = not db.in_transaction()
    sql, params = _joined(queries, before=["BEGIN"] if own else [])
    connection = db.obj.connection()
    with peewee.__exception_wrapper__:
        try:
            rows = _send(connection, sql, params)
        except BaseException:
            if own:
                # on a broken connection the ROLLBACK fails too: the first error is the one to tell
                with contextlib.suppress(Exception):
                    _send(connection, "ROLLBACK", [])
            raise
        _finish(connection, with_commit, ["COMMIT"] if own else [])
        return rows


def _finish(connection, best_effort, ending: list[str]) -> None:
    """Send `best_effort` under a savepoint, then `ending`, in one message."""
    if not best_effort:
        if ending:
            _send(connection, ";\n".join(ending), [])
        return
    sql, params = _joined(best_effort, before=[f"SAVEPOINT {_SAVEPOINT}"],
                          after=[f"RELEASE SAVEPOINT {_SAVEPOINT}"] + ending)
    try:
        _send(connection, sql, params)
    except Exception as error:
        if int(connection.info.transaction_status) != _FAILED_TRANSACTION:
            raise  # the commit itself failed, or the connection: the whole is undone
        log.warning("a statement sent with a commit failed and was undone alone: %s", error)
        _send(connection, ";\n".join([f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}"] + ending), [])


_SAVEPOINT = "with_commit"
_FAILED_TRANSACTION = 3  # libpq's PQTRANS_INERROR, as both drivers report it


def _joined(queries, before=(), after=()) -> tuple[str, list]:
    """`queries` rendered as one message between the plain statements `before` and `after`."""
    rendered = [query.sql() for query in queries]
    sql = ";\n".join([*before, *(text for text, _ in rendered), *after])
    params = [value for _, values in rendered for value in values]
    if peewee.logger.isEnabledFor(logging.DEBUG):
        peewee.logger.debug((sql, params))
    return sql, params


def _send(connection, sql: str, params: list) -> list:
    """One simple-query message; the rows of its last statement."""
    with db.obj.bounded(connection):
        return _send_now(connection, sql, params)


def _send_now(connection, sql: str, params: list) -> list:
    if psycopg is not None and isinstance(connection, psycopg.Connection):
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(sql, params)
            while cursor.nextset():  # the last statement's result is the one asked for
                pass
            return cursor.fetchall() if cursor.description else []
    with connection.cursor() as cursor:  # psycopg2 binds on the client and keeps the last result
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
