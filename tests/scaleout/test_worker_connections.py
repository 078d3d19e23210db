"""Every worker talks to the database over a connection of its own, never one it inherited."""

import os
import runpy
from pathlib import Path
from unittest import mock

from service.db.models import db
from tests.support.databases import models_bound_to

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def backend_pid(database) -> int:
    """The server process behind the connection: one per session."""
    return database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def run_in_fork(work) -> int:
    """Run `work` in a forked child, as gunicorn runs a worker; return the integer it produced."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.write(write, str(work()).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    _, status = os.waitpid(child, 0)
    produced = os.read(read, 64)
    os.close(read)
    assert status == 0, "the forked child failed"
    return int(produced)


def test_gunicorn_post_fork_makes_a_worker_open_its_own_connection(shared_database_url):
    with mock.patch.dict(os.environ):  # the configuration sets variables for gunicorn's master
        post_fork = runpy.run_path(str(GUNICORN_CONF))["post_fork"]
    with models_bound_to(shared_database_url) as database:
        parent_session = backend_pid(database)  # open before the fork, as under --preload

        def worker():
            post_fork(None, None)
            return backend_pid(db.obj)

        assert run_in_fork(worker) != parent_session
        assert backend_pid(database) == parent_session  # and the parent's session is intact
