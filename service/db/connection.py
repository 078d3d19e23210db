"""Open the configured database and bind the models to it."""

from pathlib import Path

import peewee
from playhouse import db_url
from playhouse.migrations import Runner

from service.db.models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS = {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1}
CONNECT_TIMEOUT_SECONDS = 3
UNAVAILABLE = (peewee.OperationalError, peewee.InterfaceError)


def open_database(url: str) -> peewee.Database:
    """Make a peewee database for `url`; nothing connects until first use."""
    if url.startswith("sqlite"):
        return db_url.connect(url, pragmas=SQLITE_PRAGMAS, timeout=5)
    if url.startswith(("postgres", "postgresql")):
        return db_url.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    return db_url.connect(url)


def bind(database: peewee.Database) -> peewee.Database:
    """Point the models at `database`."""
    db.initialize(database)
    return database


def migrate(database: peewee.Database) -> list[str]:
    """Apply pending migrations in order; return the names applied."""
    return Runner(database, directory=str(MIGRATIONS_DIR)).up()


def ping(database: peewee.Database) -> None:
    """Run a trivial query; raises one of UNAVAILABLE when the database does not answer."""
    database.execute_sql("SELECT 1")


def reset_connection(database: peewee.Database) -> None:
    """Drop a connection that failed, so the next request opens a fresh one."""
    try:
        database.close()
    except Exception:  # the connection is already broken; closing it is best effort
        pass
