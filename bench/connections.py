"""Measure how a worker should hold its database connection; run by hand, prints figures and ratios.

    .venv/bin/python bench/connections.py [--requests 2000] [--postgres-url URL]

Each strategy serves the same requests through the whole app (auth middleware,
validation, handler), called as WSGI in this process, so the figures are the
per-request cost a gunicorn sync worker pays:

- persistent: one connection per worker, opened on first use and kept (what
  the service does: peewee's default, plus a one-poll liveness check of the
  socket before each request);
- pool: peewee's PooledDatabase in front of the service's database class, checked out
  at the start of each request and returned at the end (check-out runs a liveness query);
- per-request: a new connection opened and closed around every request.

It creates and drops its own PostgreSQL database (default
postgresql://postgres@127.0.0.1:5432/widget_api_bench_connections).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import falcon.testing
import psycopg2
from playhouse.pool import PooledDatabase
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.app import create_app
from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.connection import PostgresqlDatabase, bind, migrate, open_database, postgres_options
from service.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/widget_api_bench_connections"
SECRET = "bench-secret-key-of-at-least-thirty-two-bytes"
PASSWORD = "correct horse battery"
ROUNDS = 7


def recreate_database(url: str, drop_only: bool = False) -> None:
    """Drop and create the bench database through the server's `postgres` database."""
    parsed = urlparse(url)
    admin = psycopg2.connect(parsed._replace(path="/postgres").geturl(), connect_timeout=3)
    admin.autocommit = True
    name = sql.Identifier(parsed.path.lstrip("/"))
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if not drop_only:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(name))
    admin.close()


def per_request(app, database):
    """Wrap `app` so a connection is taken before each request and given back after it."""

    def wsgi(environ, start_response):
        database.connect(reuse_if_open=True)
        try:
            return list(app(environ, start_response))
        finally:
            database.close()

    return wsgi


class PooledServiceDatabase(PooledDatabase, PostgresqlDatabase):
    """peewee's pool in front of the service's database class, so each call is bounded as the
    service bounds it and the two strategies differ only in how they hold a connection."""


def pooled(url: str) -> PooledServiceDatabase:
    """A peewee pool with the same connection parameters the service uses."""
    plain = open_database(url)
    same_driver = {"prefer_psycopg3": True} if "prepare_threshold" in plain.connect_params else {}
    pool = PooledServiceDatabase(
        plain.database, max_connections=4, stale_timeout=300, **same_driver, **plain.connect_params
    )
    pool.deadline = plain.deadline
    return pool


def strategies(url: str) -> dict:
    """name -> (database, wrap) for each way of holding a connection."""
    return {
        "persistent": (open_database(url), lambda app, db: app),
        "pool": (pooled(url), per_request),
        "per-request": (open_database(url), per_request),
    }


def make_environ(path: str, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return falcon.testing.create_environ(path=path, headers=headers)


def serve(wsgi, path: str, token: str | None, count: int) -> float:
    """Serve `count` requests; return seconds per request."""

    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise RuntimeError(f"{path} answered {status}")

    start = time.perf_counter()
    for _ in range(count):
        wsgi(make_environ(path, token), start_response)
    return (time.perf_counter() - start) / count


def measure(url: str, requests: int) -> dict:
    """Median seconds per request, per strategy and endpoint; rounds interleave the strategies."""
    settings = Settings.from_env(
        {"APP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": SECRET}
    )
    served = {}
    for name, (database, wrap) in strategies(url).items():
        app = create_app(settings, database)
        served[name] = (database, wrap(app, database), login_token(app))
    return interleaved(served, ("/ready", "/api/v1/auth/user"), requests)


def interleaved(served: dict, paths, requests: int) -> dict:
    """Run ROUNDS rounds of every strategy in turn, so a noisy neighbour hits them alike."""
    runs: dict = {}
    for round_number in range(ROUNDS + 1):
        for name, (database, wsgi, token) in served.items():
            bind(database)
            for path in paths:
                bearer = token if path.startswith("/api/") else None
                seconds = serve(wsgi, path, bearer, requests // ROUNDS)
                if round_number:  # the first round only warms up
                    runs.setdefault((name, path), []).append(seconds)
    for database, _, _ in served.values():
        database.close()
    return {key: statistics.median(values) for key, values in runs.items()}


def login_token(app) -> str:
    response = falcon.testing.TestClient(app).simulate_post(
        "/api/v1/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
    )
    return response.json["access_token"]


def report(figures: dict, label: str) -> None:
    paths = sorted({path for _, path in figures})
    print(f"\n{label}: median of {ROUNDS} rounds, whole app in-process")
    print(
        f"{'strategy':<14}{'endpoint':<22}{'us/request':>12}{'requests/s':>12}{'x persistent':>14}"
    )
    for path in paths:
        base = figures[("persistent", path)]
        for (name, p), seconds in figures.items():
            if p == path:
                print(
                    f"{name:<14}{path:<22}{seconds * 1e6:>12.0f}{1 / seconds:>12.0f}"
                    f"{seconds / base:>14.2f}"
                )


def connect_cost(url: str, count: int = 200) -> None:
    """Print the bare cost of opening a connection, and of one round trip on an open one."""
    database = open_database(url)
    start = time.perf_counter()
    for _ in range(count):
        database.connect()
        database.close()
    opened = (time.perf_counter() - start) / count
    database.connect()
    start = time.perf_counter()
    for _ in range(count * 10):
        database.execute_sql("SELECT 1")
    trip = (time.perf_counter() - start) / (count * 10)
    database.close()
    print(
        f"\nopen+close a connection: {opened * 1e6:.0f} us; SELECT 1 on an open one: "
        f"{trip * 1e6:.0f} us; ratio {opened / trip:.0f}x"
    )
    print(f"startup options sent with every connection: {postgres_options()!r}")


def sqlite_figures(requests: int) -> None:
    """The same comparison on SQLite, where a connection is a file open and pragmas."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        prepare(url)
        settings = Settings.from_env(
            {"APP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": SECRET}
        )
        served = {}
        for name, wrap in (("persistent", lambda app, db: app), ("per-request", per_request)):
            database = open_database(url)
            app = create_app(settings, database)
            served[name] = (database, wrap(app, database), login_token(app))
        figures = interleaved(served, ("/api/v1/auth/user",), requests)
        report(figures, "SQLite")


def prepare(url: str) -> None:
    """Migrate and add the user the requests authenticate as."""
    database = open_database(url)
    migrate(database)
    bind(database)
    accounts.register("bench@example.com", PASSWORD, Passwords.for_profile("testing"))
    database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests per strategy and endpoint"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_URL)
    args = parser.parse_args()
    recreate_database(args.postgres_url)
    try:
        prepare(args.postgres_url)
        connect_cost(args.postgres_url)
        report(measure(args.postgres_url, args.requests), "PostgreSQL")
    finally:
        recreate_database(args.postgres_url, drop_only=True)
    sqlite_figures(args.requests)


if __name__ == "__main__":
    main()
