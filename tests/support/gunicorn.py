"""A real gunicorn on a free port of 127.0.0.1, for tests and benchmarks."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support.settings import TESTING_ENV

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SERVICE = ("-c", "gunicorn.conf.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn process tree serving `args` (the service by default) until stopped.

    Its standard error goes to a file, read back when it fails to start: a pipe
    nobody drains would stall a chatty server.
    """

    def __init__(self, args=SERVICE, env: dict | None = None, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {
            **os.environ,
            "GUNICORN_ACCESS_LOG": "",
            **(env or {}),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": str(workers),
        }
        # A config file reads PORT, HOST and WEB_CONCURRENCY; a bare app needs them as options.
        options = [] if "-c" in args else ["--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [GUNICORN, *args, *options],
            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=self.stderr, text=True,
        )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        """Wait for /health; a read timeout only means a worker is still booting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.errors()}")
            try:
                requests.get(self.url + "/health", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {seconds} s")

    def wait_for_boot_lines(self, count: int, seconds: float = 30) -> None:
        """Until `count` workers have logged their boot (at info level): a test that reads the
        log lines its requests cause then finds no late boot among them."""
        deadline = time.monotonic() + seconds
        while self.errors().count("Booting worker") < count:
            assert time.monotonic() < deadline, self.errors()
            time.sleep(0.05)

    def errors(self) -> str:
        """What gunicorn wrote to standard error so far."""
        self.stderr.seek(0)
        return self.stderr.read()

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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def config_with(directory: Path, text: str) -> tuple:
    """gunicorn's arguments for gunicorn.conf.py followed by `text`, which may add hooks,
    wrap the shipped ones (they are its globals) or change a setting; written to `directory`."""
    config = Path(directory) / "gunicorn.conf.py"
    shipped = ROOT / "gunicorn.conf.py"
    config.write_text(f"exec(compile(open({str(shipped)!r}).read(), {str(shipped)!r}, 'exec'))\n"
                      + text)
    return ("-c", str(config))


def serve(database_url: str, workers: int = 2, args=SERVICE, **env) -> Gunicorn:
    """The service in its testing profile on `database_url`; `env` overrides variables."""
    return Gunicorn(args, {**TESTING_ENV, "DATABASE_URL": database_url, **env}, workers)


def serve_unlimited(database_url: str, workers: int = 2, **env) -> Gunicorn:
    """The service without its per-address limit, for suites that make many calls from one address."""
    return serve(database_url, workers, AUTH_RATE_LIMIT="0", **env)
