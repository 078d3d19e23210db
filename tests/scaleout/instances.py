"""Real gunicorn instances on a PostgreSQL database of their own, and the HTTP calls the tests repeat."""

import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests

from conftest import POSTGRES_TEST_DB, fresh_postgres_database
from service.auth import accounts
from service.db.connection import bind, migrate, open_database
from service.db.models import db
from tests.helpers import CHEAP, PASSWORD, random_email
from tests.server.conftest import Server

TIMEOUT = 15  # seconds any one call may take before the test calls it a hang


class Gunicorn(Server):
    """A Server with no per-address limit, its process ids at hand."""

    def __init__(self, database_url: str, workers: int = 2, **env):
        super().__init__(database_url, workers=workers, AUTH_RATE_LIMIT="0", **env)

    @property
    def master_pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> set:
        """The master's children, read from /proc."""
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def wait_for_workers(self, count: int, seconds: float = 30) -> set:
        """Wait until the master runs `count` workers (after one died, say); return their ids."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count:
                return pids
            time.sleep(0.05)
        raise AssertionError(f"gunicorn runs {self.worker_pids()} workers, not {count}")

    def terminate(self) -> None:
        os.kill(self.master_pid, signal.SIGTERM)


def postgres_database(suffix: str) -> str:
    """A fresh, migrated PostgreSQL database for one suite; its URL (or the suite is skipped)."""
    url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_{suffix}")
    database = open_database(url)
    migrate(database)
    database.close()
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a suite's database through the server's `postgres` database."""
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@contextmanager
def models_bound_to(database_url: str):
    """Run model code on another database, then give the models back their own."""
    previous = db.obj
    database = bind(open_database(database_url))
    try:
        yield database
    finally:
        database.close()
        if previous is not None:
            bind(previous)


def http() -> requests.Session:
    """A client that opens a new connection per request, so gunicorn spreads them over workers."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def register(base: str, email: str | None = None) -> requests.Response:
    return http().post(
        base + "/api/v1/auth/register",
        json={"email": email or random_email(), "password": PASSWORD},
        timeout=TIMEOUT,
    )


def login(base: str, email: str) -> requests.Response:
    return http().post(
        base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=TIMEOUT
    )


def token_for(base: str) -> str:
    response = register(base)
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


def admin_token(database_url: str, base: str) -> str:
    """Create an admin through the account rules, as `widget-api add-user --admin` does; log in over HTTP."""
    email = random_email()
    with models_bound_to(database_url):
        accounts.register(email, PASSWORD, CHEAP, admin=True)
    response = login(base, email)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def widget_body(name: str) -> dict:
    return {"name": name, "info_url": f"https://example.com/{name}", "deadline": "12/31/2099"}
