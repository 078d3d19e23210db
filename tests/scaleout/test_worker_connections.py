"""Every worker talks to the database over a connection of its own, never one it inherited."""

import os
import runpy
import signal
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

import psycopg2

from service.db.connection import POSTGRES_CONNECT_DEFAULTS
from service.db.models import db
from tests.server.test_reload_and_shutdown import wait_for_new_workers
from tests.support.databases import models_bound_to
from tests.support.gunicorn import serve
from tests.support.over_http import TIMEOUT, http

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
WORKERS = 3


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


def test_gunicorn_workers_each_hold_a_connection_of_their_own(shared_database_url):
    """Over real gunicorn, which builds the app in its master: every worker talks to PostgreSQL
    over its own socket to its own server process, the master over none; after a reload too."""
    server = serve(shared_database_url, WORKERS)
    try:
        check_own_connections(server, shared_database_url)
        before = server.worker_pids()
        os.kill(server.master_pid, signal.SIGHUP)  # the master builds the app again
        wait_for_new_workers(server, before)
        check_own_connections(server, shared_database_url)
    finally:
        server.stop()


def check_own_connections(server, database_url: str) -> None:
    workers = server.wait_for_workers(WORKERS)
    held = connections_held(server, workers, urlparse(database_url).port or 5432)
    sockets = [inode for local in held.values() for inode in local]
    assert all(len(local) == 1 for local in held.values()), held
    assert len(set(sockets)) == len(sockets) == len(workers), held  # no socket in two workers
    assert not tcp_connections(server.master_pid, urlparse(database_url).port or 5432)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT client_port, pid FROM pg_stat_activity WHERE application_name = %s",
                    (POSTGRES_CONNECT_DEFAULTS["application_name"],))
        backend_of = dict(cur.fetchall())
    conn.close()
    backends = {backend_of[port] for local in held.values() for port in local.values()}
    print(f"workers {sorted(workers)}: PostgreSQL server processes {sorted(backends)}")
    assert len(backends) == len(workers)


def connections_held(server, workers: set, port: int, requests: int = 300) -> dict:
    """Ask /ready until every worker holds a connection; worker -> {socket inode: local port}."""
    held = {}
    for _ in range(requests):
        held = {pid: tcp_connections(pid, port) for pid in workers}
        if all(held.values()):
            return held
        assert http().get(server.url + "/ready", timeout=TIMEOUT).status_code == 200
    raise AssertionError(f"not every worker answered /ready: {held}")


def tcp_connections(pid: int, port: int) -> dict:
    """The TCP sockets process `pid` holds to remote `port`: socket inode -> local port."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    found = {}
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            if inode in inodes and int(remote.rpartition(":")[2], 16) == port:
                found[inode] = int(local.rpartition(":")[2], 16)
    return found
