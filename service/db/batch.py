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

try:
    import psycopg
except ImportError:  # psycopg2 alone is installed
    psycopg = None


def run_together(*queries):
    """Run peewee `queries` on PostgreSQL in one message, as one transaction (within the
    caller's, if any); return the rows of the last one."""
    rendered = [query.sql() for query in queries]
    own = not db.in_transaction()
    sql = ";\n".join((["BEGIN"] if own else []) + [text for text, _ in rendered])
    params = [value for _, values in rendered for value in values]
    if peewee.logger.isEnabledFor(logging.DEBUG):
        peewee.logger.debug((sql, params))
    connection = db.obj.connection()
    with peewee.__exception_wrapper__:
        if not own:
            return _send(connection, sql, params)
        try:
            rows = _send(connection, sql, params)
        except BaseException:
            with contextlib.suppress(Exception):  # a broken connection: its own error is the one to tell
                _send(connection, "ROLLBACK", [])
            raise
        _send(connection, "COMMIT", [])
        return rows


def _send(connection, sql: str, params: list) -> list:
    """One simple-query message; the rows of its last statement."""
    if psycopg is not None and isinstance(connection, psycopg.Connection):
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(sql, params)
            while cursor.nextset():  # the last statement's result is the one asked for
                pass
            return cursor.fetchall() if cursor.description else []
    with connection.cursor() as cursor:  # psycopg2 binds on the client and keeps the last result
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
