"""Seed a database the way every benchmark measures it: 1 admin, 100 users, 1,000 widgets;
and the benchmarks' own databases (a SQLite file, or one beside BENCH_POSTGRES_URL's)."""

import os
import tempfile
from datetime import datetime, timedelta

import psycopg2
from psycopg2 import sql

from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.connection import bind, migrate, open_database
from service.db.models import User, Widget, db

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

ADMIN_EMAIL = "admin@bench.example.com"
PASSWORD = "bench password 1"
USERS = 100
WIDGETS = 1000


def seed() -> None:
    """Fill the bound database (its schema migrated and empty)."""
    cheap = Passwords.for_profile("testing")
    admin = accounts.register(ADMIN_EMAIL, PASSWORD, cheap, admin=True)
    for i in range(USERS):
        accounts.register(f"user{i}@bench.example.com", PASSWORD, cheap)
    start = datetime(2026, 1, 1)
    rows = [
        {
            "name": f"widget-{i:04d}",
            "info_url": f"https://www.example.com/widgets/{i}",
            "created_at": start + timedelta(minutes=i),
            "deadline": datetime(2030, 12, 31, 23, 59, 59),
            "owner": admin.id,
        }
        for i in range(WIDGETS)
    ]
    with db.atomic():
        for chunk in range(0, len(rows), 100):
            Widget.insert_many(rows[chunk:chunk + 100]).execute()
    assert User.select().count() == USERS + 1


def seeded(url: str) -> str:
    """Migrate and seed the database at `url`, and return the URL."""
    database = open_database(url)
    migrate(database)
    bind(database)
    seed()
    database.close()
    return url


def fresh_sqlite() -> str:
    """The URL of a new SQLite file in a directory of its own."""
    return f"sqlite:///{tempfile.mkdtemp()}/bench.db"


def _on_server(statements) -> bool:
    try:
        conn = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError:
        return False
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()
    return True


def fresh_postgres(name: str) -> str | None:
    """Drop and create database `name` beside BENCH_POSTGRES_URL's; its URL, or None when no
    server answers."""
    named = sql.Identifier(name)
    created = _on_server([
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(named),
        sql.SQL("CREATE DATABASE {}").format(named),
    ])
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name if created else None


def drop_postgres(name: str) -> None:
    _on_server([sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))])
