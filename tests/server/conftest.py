"""A real gunicorn, started from gunicorn.conf.py on a free port."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import TEST_SECRET, empty_tables

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn process tree serving the app on 127.0.0.1."""

    def __init__(self, database_url: str, workers: int = 2, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {
            **os.environ,
            "APP_ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "TOKEN_EXPIRE_SECONDS": "300",
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "",
            **env,
        }
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py"], cwd=ROOT, env=environ,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        """Wait for /health; a read timeout only means a worker is still booting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.process.stderr.read()}")
            try:
                requests.get(self.url + "/health", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {seconds} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def server(database_url, database):
    empty_tables(database)
    running = Server(database_url)
    yield running
    running.stop()
