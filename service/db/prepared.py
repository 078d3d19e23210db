"""Hot queries rendered to SQL once per database, then run with fresh parameters.

Building SQL from a peewee query costs more than running it on SQLite; the
queries every request runs are built by peewee once (so quoting and parameter
style match the database) and replayed. On a PostgreSQL database opened with
`prepare_statements` (DATABASE_PREPARED_STATEMENTS, on by default), each is also
prepared on the server once per connection (PREPARE) and then run by name
(EXECUTE): the server parses and plans it once, not on every request.
bench/drivers.py measured this against psycopg 3's automatic preparation.
"""

import hashlib
import itertools
import re
import weakref

import peewee

from service.db.models import db

MARKER = "\x00parameter-{}\x00"  # a string, since text fields coerce their values to str
DUPLICATE_PREPARED_STATEMENT = "42P05"


class Prepared:
    """A query built by `build(*params)`, rendered once per bound database."""

    def __init__(self, build, arity: int):
        self._build = build
        self._arity = arity
        self._rendered = weakref.WeakKeyDictionary()  # database -> (sql, parameter order, name)
        self._prepared_on = weakref.WeakSet()  # the driver connections holding the statement

    def execute(self, *params):
        """Run the query with `params` (already in database form); return the cursor."""
        database = db.obj
        rendered = self._rendered.get(database)
        if rendered is None:
            rendered = self._rendered[database] = self._render()
        sql, order, name = rendered
        values = [params[i] for i in order]
        if not getattr(database, "prepare_statements", False):
            return database.execute_sql(sql, values)
        self._prepare(database, sql, name)
        return database.execute_sql(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)

    def _render(self) -> tuple:
        markers = [MARKER.format(i) for i in range(self._arity)]
        sql, params = self._build(*markers).sql()
        # Named after its text: a session that holds the name (a pooler's reused server
        # connection, say) holds this very statement.
        name = "widget_api_" + hashlib.sha256(sql.encode()).hexdigest()[:16]
        return sql, [markers.index(p) for p in params], name

    def _prepare(self, database, sql: str, name: str) -> None:
        """PREPARE the statement on the database's connection, unless it holds it already."""
        connection = database.connection()
        if connection in self._prepared_on:
            return
        try:
            database.execute_sql(f"PREPARE {name} AS {_numbered(sql)}")
        except peewee.ProgrammingError as refused:  # args[0] is the driver's own error
            if getattr(refused.args[0], "pgcode", None) != DUPLICATE_PREPARED_STATEMENT:
                raise
        self._prepared_on.add(connection)


def _numbered(sql: str) -> str:
    """The driver's `%s` placeholders as the server's `$1`, `$2`, ..."""
    numbers = itertools.count(1)
    return re.sub(r"%s", lambda _: f"${next(numbers)}", sql)
