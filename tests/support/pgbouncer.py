"""Debian's PgBouncer in transaction pooling mode on a free port, in front of the test server.

Installed by scripts/prerequisites; missing, the tests that need it skip with the
reason (and fail under CI=true, which must prove the service works behind it).
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from service.db.connection import SESSION_SETTINGS
from tests.support.gunicorn import free_port
from tests.support.wire import url_through

PGBOUNCER = Path(os.environ.get("PGBOUNCER_PATH", "/usr/sbin/pgbouncer"))
SERVER_CONNECTIONS = 3  # fewer than the clients' connections, so server sessions are shared


def config(host: str, port: int, listen_port: int, directory: Path, **extra) -> str:
    """Transaction pooling, trust auth; the session settings the service asks for at connect time.

    PgBouncer 1.18 refuses a client's `options` startup parameter unless told to
    ignore it, and could not keep per-client session settings anyway: the server
    connections run `connect_query` instead, so each gets the same timeouts.
    """
    settings = "; ".join(f'SET {name} = "{value}"' for name, value in SESSION_SETTINGS.items())
    return f"""\
[databases]
* = host={host} port={port} connect_query='{settings}'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "userlist.txt"}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 200
ignore_startup_parameters = options
logfile = {directory / "pgbouncer.log"}
""" + "".join(f"{name} = {value}\n" for name, value in extra.items())


class PgBouncer:
    """One PgBouncer relaying to the server of `database_url` until stopped."""

    def __init__(self, database_url: str, **settings):
        """`settings`: more of PgBouncer's [pgbouncer] settings, by name."""
        if not PGBOUNCER.exists():
            unavailable(f"{PGBOUNCER} is missing: install it with `bash scripts/prerequisites` "
                        "as root (or `sudo apt-get install pgbouncer`, or set PGBOUNCER_PATH)")
        server = urlparse(database_url)
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        (self.directory / "userlist.txt").write_text(f'"{server.username or "postgres"}" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(config(server.hostname, server.port or 5432, self.port, self.directory, **settings))
        self.process = subprocess.Popen([str(PGBOUNCER), *_as_user(self.directory), str(ini)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def url_for(self, database_url: str) -> str:
        """`database_url` reached through this PgBouncer."""
        return url_through(database_url, f"127.0.0.1:{self.port}")

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def _wait_until_up(self, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen within {seconds} s: {self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_user(directory: Path) -> list:
    """PgBouncer refuses to run as root: as root, run it as `nobody`, owner of its directory."""
    if os.getuid() != 0:
        return []
    user = pwd.getpwnam("nobody")
    for path in (directory, *directory.iterdir()):
        os.chown(path, user.pw_uid, user.pw_gid)
    return ["-u", "nobody"]


def unavailable(reason: str):
    """Skip with the reason, or fail under CI, where the pooler test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PgBouncer test cannot run in CI: {reason}")
    pytest.skip(reason)
