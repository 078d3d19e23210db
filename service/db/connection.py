"""Open the configured database and bind the models to it.

Each gunicorn worker holds one connection of its own: peewee opens it on the
first query after the worker starts (so after the fork) and keeps it. Before a
request, a connection the server has closed meanwhile (a restart, a cut
network) is dropped so the request opens a fresh one; a connection that fails
during a request is closed by the 503 handler. `bench/connections.py` measured
this against a pool and against a connection per request (docs/deploy.md has
the figures).
"""

import contextlib
import importlib.util
import logging
import select
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import peewee
from playhouse import db_url
from playhouse.migrations import Migration, Runner

from service import errors, metrics
from service.db.deadline import Deadline
from service.db.models import db
from service.db.write_gate import WriteGate, gate_path, open_gate

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "schema_migration"  # playhouse.migrations.Runner's default
MIGRATE_HINT = "run `widget-api migrate`"
SQLITE_PRAGMAS = {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1}
CONNECT_TIMEOUT_SECONDS = 3
UNAVAILABLE = (peewee.OperationalError, peewee.InterfaceError)
PREPARE_THRESHOLD = 5  # psycopg 3's default: a statement run this often is prepared on the server
GATED_BEGINS = ("IMMEDIATE", "EXCLUSIVE")  # the transactions that write from their first statement
PSYCOPG3 = importlib.util.find_spec("psycopg") is not None

# Every bound below keeps one request well inside gunicorn's 30 s worker timeout:
# a query the server cannot finish (a lock held elsewhere, a runaway plan) is
# cancelled, a session left idle inside a transaction (a frozen worker) is ended,
# and a peer that stops answering is dropped by TCP keepalives.
SESSION_SETTINGS = {
    "statement_timeout": "5s",
    "lock_timeout": "4s",
    "idle_in_transaction_session_timeout": "15s",
    # Compiling a plan to machine code pays off for long analytic queries, never for
    # statements of a fraction of a millisecond: a misestimated row count (a table not yet
    # analysed) would otherwise cost each run milliseconds of compiling.
    "jit": "off",
}
# Statements are prepared so that they are planned once: without this the server re-plans
# a prepared statement on every run when it estimates its generic plan dearer than the
# custom ones (the listing's, for its LIMIT and OFFSET). Only prepared statements have
# generic plans, so this is sent only when they are on.
PREPARED_SESSION_SETTINGS = {"plan_cache_mode": "force_generic_plan"}
# Maintenance commands (migrate, purge-tokens) are no requests: a migration or a large purge
# may rightly take longer than a request's bounds, and would otherwise be cancelled every run.
MAINTENANCE_SESSION_SETTINGS = {"statement_timeout": "0", "lock_timeout": "0"}
# What a call may wait for its answer, counted by the service itself: twice the statement
# timeout, so a statement the server runs is never cut, and well inside gunicorn's worker
# timeout (a pooler that cannot reach the server holds a query as long as it is told to).
WAIT_SECONDS = 10
POSTGRES_CONNECT_DEFAULTS = {
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "application_name": "widget-api",
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class RollbackKeepsCause:
    """A rollback that fails while an error is on its way out lets that error through.

    SQLite rolls a transaction back by itself on a full disk or an I/O error;
    peewee's `atomic` then sends ROLLBACK, which fails ("no transaction is
    active") and would replace the real error in the log. So would a rollback on
    a PostgreSQL connection that died mid-transaction.
    """

    def rollback(self):
        cause = sys.exc_info()[1]
        try:
            super().rollback()
        except peewee.PeeweeException as failed:
            if cause is None:
                raise
            log.warning("rollback after %s failed as well: %s", cause, failed)

    def savepoint(self):
        return _Savepoint(self)


class _Savepoint(peewee._savepoint):  # private in peewee, but what `atomic` nests with
    """A nested `atomic` block whose failed rollback lets the error on its way out through."""

    def rollback(self, begin=True):
        cause = sys.exc_info()[1]
        try:
            super().rollback(begin)
        except peewee.PeeweeException as failed:
            if cause is None:
                raise
            log.warning("rollback to a savepoint after %s failed as well: %s", cause, failed)


class SqliteDatabase(RollbackKeepsCause, peewee.SqliteDatabase):
    """A SQLite file; `path` is where it lives, whether or not it exists yet.

    Its write transactions (BEGIN IMMEDIATE or EXCLUSIVE) pass the write gate
    (service/db/write_gate.py) first, so writers take turns in the order they came.
    """

    path: Path
    gate_path: str | None = None

    def begin(self, lock_type=None):
        lock_type = lock_type or self._lock_type
        gate = self._gate() if str(lock_type).upper() in GATED_BEGINS else None
        if gate is None or gate.held:  # a BEGIN inside a transaction fails; the gate stays its
            return super().begin(lock_type)
        left = gate.acquire()
        try:
            self._begin_within(lock_type, left)
        except BaseException:
            gate.release()
            raise

    def _begin_within(self, lock_type, left: float) -> None:
        """BEGIN, with SQLite's own busy wait cut to what the gate's wait left of the bound."""
        if left >= self._timeout:
            return super().begin(lock_type)
        conn = self.connection()
        conn.execute(f"PRAGMA busy_timeout = {max(int(left * 1000), 1)}")
        try:
            super().begin(lock_type)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")

    def commit(self):
        try:
            super().commit()
        finally:
            self._release_gate()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release_gate()

    def _gate(self) -> WriteGate | None:
        """This thread's connection's gate, opened with its first write transaction."""
        conn = self.connection()
        mine = getattr(self._state, "gate", None)
        if mine is None or mine[0] is not conn:  # none yet, or a forked parent's connection's
            mine = self._state.gate = (conn, open_gate(self.gate_path, self._timeout))
        return mine[1]

    def _release_gate(self) -> None:
        mine = getattr(self._state, "gate", None)
        if mine is not None and mine[1] is not None:
            mine[1].release()

    def _close(self, conn):
        mine, self._state.gate = getattr(self._state, "gate", None), None
        try:
            super()._close(conn)
        finally:
            if mine is not None and mine[1] is not None:
                mine[1].close()


class PostgresqlDatabase(RollbackKeepsCause, peewee.PostgresqlDatabase):
    """Every statement, BEGIN, COMMIT and ROLLBACK waits at most `deadline` for its answer
    (none for maintenance commands, whose statements may rightly run long)."""

    deadline: Deadline | None = None

    def execute_sql(self, sql, params=None):
        with self.bounded(self.connection()):
            return super().execute_sql(sql, params)

    def begin(self, *args, **kwargs):
        with self.bounded(self.connection()):
            return super().begin(*args, **kwargs)

    def commit(self):
        with self.bounded(self._state.conn):
            return super().commit()

    def rollback(self):
        with self.bounded(self._state.conn):
            return super().rollback()

    def bounded(self, connection):
        """Bound a call on `connection`; without one open, peewee's refusal is the answer."""
        if self.deadline is None or connection is None:
            return contextlib.nullcontext()
        return self.deadline.waiting(connection)


def open_database(
    url: str, create: bool = True, prepared: bool = True, maintenance: bool = False
) -> peewee.Database:
    """Make a peewee database for `url`; nothing connects until first use.

    Only `create=True` (migrations) may create a SQLite file: anything else
    opening a missing file would leave an empty, unmigrated database behind.
    On PostgreSQL, `prepared` (DATABASE_PREPARED_STATEMENTS) picks the faster
    driver for each way, as bench/drivers.py measured: psycopg 3, which prepares
    the statements it runs often on the server, where each is then planned once;
    or psycopg2, faster than psycopg 3 when nothing is prepared, for poolers that
    cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).
    """
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        params = {**db_url.parse(url), "pragmas": SQLITE_PRAGMAS, "timeout": 5}
        path = Path(params["database"]).resolve()
        gate = gate_path(params["database"]) and f"{path}-writer.lock"
        if not create:  # SQLite's URI form opens an existing file read-write and never creates it
            params.update(database=f"file:{quote(str(path))}?mode=rw", uri=True)
        database = SqliteDatabase(**params)
        database.path = path
        database.gate_path = gate
        return database
    if scheme in ("postgresql", "postgres"):
        # Percent-escapes in the user and password are decoded, as libpq does for its own URLs.
        params = db_url.parse(url, unquote_user=True, unquote_password=True)
        params.update(postgres_params(url, prepared, maintenance))
        if prepared and PSYCOPG3:
            params.update(prefer_psycopg3=True, prepare_threshold=PREPARE_THRESHOLD)
        # psycopg2 reads text as str by itself, in C; peewee's `register_unicode` would send
        # every text value through Python's codec machinery instead.
        database = PostgresqlDatabase(**params, register_unicode=False)
        database.deadline = None if maintenance else Deadline(WAIT_SECONDS)
        return database
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


def postgres_params(url: str, prepared: bool = False, maintenance: bool = False) -> dict:
    """Connection parameters: the defaults above, overridden by any the URL's query string sets."""
    given = db_url.parse(url)
    params = {key: value for key, value in POSTGRES_CONNECT_DEFAULTS.items() if key not in given}
    params["options"] = postgres_options(given.get("options"), prepared, maintenance)
    return params


def postgres_options(extra: str | None = None, prepared: bool = False, maintenance: bool = False) -> str:
    """The server settings sent at connect time; `extra` comes last, so its values win."""
    settings = {**SESSION_SETTINGS, **(PREPARED_SESSION_SETTINGS if prepared else {}),
                **(MAINTENANCE_SESSION_SETTINGS if maintenance else {})}
    options = " ".join(f"-c {name}={value}" for name, value in settings.items())
    return f"{options} {extra}" if extra else options


def bind(database: peewee.Database) -> peewee.Database:
    """Point the models at `database`."""
    db.initialize(database)
    return database


def forget_inherited_connection() -> None:
    """In a freshly forked process, drop the parent's connection handle without closing it.

    Closing would tell the server to end the session the parent is still using;
    forgetting it makes this process open its own on first use.
    """
    if db.obj is not None:
        db.obj.dispose()


def migrate(database: peewee.Database) -> list[str]:
    """Apply pending migrations in order; return the names applied."""
    return Runner(database, directory=str(MIGRATIONS_DIR)).up()


MIGRATIONS = tuple(m.name for m in Migration.load_directory(str(MIGRATIONS_DIR)))


def pending_migrations(database: peewee.Database) -> list[str]:
    """The migrations this code needs that `database` lacks (all of them for a missing file).

    Raises one of UNAVAILABLE when the database does not answer.
    """
    sqlite = isinstance(database, SqliteDatabase)
    if sqlite and not database.path.exists():
        return list(MIGRATIONS)
    try:  # one query in the usual case: /ready runs this on every probe
        applied = {row[0] for row in database.execute_sql(f'SELECT name FROM "{HISTORY_TABLE}"')}
    except peewee.ProgrammingError as failed:  # PostgreSQL: no such table, or another error
        if sqlstate(failed) == UNDEFINED_TABLE:
            return list(MIGRATIONS)
        raise  # a missing grant, a pooler that lost a prepared statement: the real error
    except peewee.OperationalError:  # SQLite says "no such table" this way, and any failure too
        if sqlite and not database.table_exists(HISTORY_TABLE):
            return list(MIGRATIONS)
        raise
    return [name for name in MIGRATIONS if name not in applied]


UNDEFINED_TABLE = "42P01"
# "prepared statement ... does not exist" / "... already exists": a pooler mixed server sessions
POOLER_LOST_STATEMENTS = ("26000", "42P05")
POOLER_HINT = (
    "a prepared statement is gone: a pooler in transaction mode (PgBouncer before 1.21) "
    "cannot carry them; set DATABASE_PREPARED_STATEMENTS=off"
)


def sqlstate(error: Exception) -> str | None:
    """The PostgreSQL error code behind a peewee error (raised while handling the driver's)."""
    cause = error.__cause__ or error.__context__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def schema_behind(pending: list[str]) -> str:
    """Say, for an operator, that the schema lags the code and what to do."""
    count = len(pending)
    return f"the database schema is not up to date ({count} pending migration(s)): {MIGRATE_HINT}"


def is_dead(database: peewee.Database) -> bool:
    """True when the server or the network closed an idle PostgreSQL connection since its last use.

    Between requests the server has nothing to say, so a readable socket means
    it said goodbye (a shutdown notice, end of stream); asking costs one poll.
    """
    if database.is_closed() or database.in_transaction():
        return False
    conn = database.connection()
    if not hasattr(conn, "fileno"):  # SQLite: a file, nothing closes it behind our back
        return False
    if conn.closed:
        return True
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class ConnectionCheck:
    """Begin each request on a live connection, so a database that came back serves at once."""

    def __init__(self, database: peewee.Database):
        self.database = database

    def process_request(self, req, resp):
        if is_dead(self.database):
            reset_connection(self.database)


def reset_connection(database: peewee.Database) -> None:
    """Drop a connection that failed, so the next request opens a fresh one."""
    try:
        database.close()
    except UNAVAILABLE:  # broken, or still inside a transaction: let go of it all the same
        database.dispose()


def install_unavailable_handler(app, database: peewee.Database) -> None:
    """Let `app` answer 503 for a database that cannot serve (ConnectionCheck's partner)."""
    app.add_error_handler((*UNAVAILABLE, peewee.ProgrammingError), _database_failed(database))


def _database_failed(database):
    """503 for a database that cannot serve: unreachable, or its schema behind this code."""

    def handle(req, resp, error, params):
        reason = _schema_reason(database, error)
        if sqlstate(error) in POOLER_LOST_STATEMENTS:
            reason = POOLER_HINT
            reset_connection(database)
        if isinstance(error, UNAVAILABLE):
            reset_connection(database)
        elif reason is None:  # the server answered, and not about a missing table: a bug
            return errors.handle_unexpected(req, resp, error, params)
        log.warning("database unavailable on %s %s: %s", req.method, req.path, reason or error)
        metrics.DATABASE_UNAVAILABLE.inc()
        errors.render(resp, errors.ServiceUnavailable())

    return handle


def _schema_reason(database, error) -> str | None:
    """Why the schema made `error`, if it did: pending migrations (a missing table or column).

    Asked only of a database that can answer at once: a local SQLite file, or a
    server that has just answered with an error; never again of one that went silent.
    """
    if not isinstance(database, SqliteDatabase) and not isinstance(error, peewee.ProgrammingError):
        return None
    try:
        pending = pending_migrations(database)
    except (*UNAVAILABLE, peewee.ProgrammingError):
        return None
    return schema_behind(pending) if pending else None
