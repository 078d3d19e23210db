"""Hot queries rendered to SQL once per database, then run with fresh parameters.

Building SQL from a peewee query costs more than running it on SQLite; the
queries every request runs are built by peewee once (so quoting and parameter
style match the database) and replayed. Replaying the same text is also what
lets psycopg 3 prepare them on the PostgreSQL server (its cache is keyed on the
text), so the server stops parsing and planning them.
"""

import logging
import weakref

import peewee

from service.db.models import db

MARKER = "\x00parameter-{}\x00"  # a string, since text fields coerce their values to str
_cursors = weakref.WeakKeyDictionary()  # driver connection -> the cursor these queries reuse


class Prepared:
    """A query built by `build(*params)`, rendered once per bound database."""

    def __init__(self, build, arity: int):
        self._build = build
        self._arity = arity
        self._rendered = weakref.WeakKeyDictionary()

    def execute(self, *params):
        """Run the query with `params` (already in database form); return the cursor."""
        database = db.obj
        rendered = self._rendered.get(database)
        if rendered is None:
            rendered = self._rendered[database] = self._render()
        sql, order = rendered
        values = [params[i] for i in order]
        if peewee.logger.isEnabledFor(logging.DEBUG):  # as peewee logs its own queries
            peewee.logger.debug((sql, values))
        with peewee.__exception_wrapper__:  # the driver's errors as peewee's, as execute_sql does
            cursor = _cursor(database)
            cursor.execute(sql, values)
        return cursor

    def _render(self):
        markers = [MARKER.format(i) for i in range(self._arity)]
        sql, params = self._build(*markers).sql()
        return sql, [markers.index(p) for p in params]


def _cursor(database):
    """The connection's cursor for these queries, made once: callers read its rows before the
    next query runs, and a new psycopg cursor costs about 15 us of CPU per query."""
    connection = database.connection()
    if isinstance(database, peewee.SqliteDatabase):  # no weak references; its cursors cost little
        return connection.cursor()
    cursor = _cursors.get(connection)
    if cursor is None or cursor.closed:
        cursor = _cursors[connection] = connection.cursor()
    return cursor
