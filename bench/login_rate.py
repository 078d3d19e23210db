"""Logins and registrations per second per core against the bare argon2 rate they are bound by.

    .venv/bin/python bench/login_rate.py [--requests 30] [--rounds 4]

A login verifies one argon2 hash and a registration makes one, at the production
parameters (argon2-cffi's defaults, service/auth/passwords.py); everything else a
request does (parsing, validation, the throttle counters, the session, the tokens,
the database's own work) is what this prices. Each line is run in process, straight
through the WSGI callable (no HTTP), on SQLite and on PostgreSQL (a fresh database
beside BENCH_POSTGRES_URL's, skipped when none answers), with the service's
production profile and its per-address limit on (high enough never to refuse).

"Per core" divides by CPU time, not wall time: this process's (every thread of it, as
argon2 runs its lanes on threads) plus, on PostgreSQL, the server process serving its
connection. The lines take turns in rounds, so a slower minute of a shared machine
weighs on all alike; each figure is the median over rounds. The targets: login/s per
core >= 0.90 x bare argon2 verifies/s per core, register/s per core >= 0.90 x bare
argon2 hashes/s per core.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import argon2
import falcon.testing

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import drop_postgres, fresh_postgres, fresh_sqlite  # noqa: E402
from service.app import create_app  # noqa: E402
from service.auth import accounts  # noqa: E402
from service.auth.passwords import Passwords  # noqa: E402
from service.db.connection import migrate, open_database  # noqa: E402
from service.db.models import db  # noqa: E402
from service.settings import Settings  # noqa: E402

DATABASE = "widget_api_login_bench"
SECRET = "bench-secret-key-of-at-least-thirty-two-bytes"
EMAIL, PASSWORD = "login@bench.example.com", "bench password 1"
TARGET = 0.90


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far, every thread included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall and CPU time of a run of calls: this process's, plus the database server's."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid

    def run(self, call, count: int) -> tuple:
        """(calls per wall second, calls per CPU second) of `count` calls."""
        server = process_cpu(self.server_pid) if self.server_pid else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if self.server_pid:
            cpu += process_cpu(self.server_pid) - server
        return count / wall, count / cpu


class Calls:
    """A login and a registration through the app's WSGI callable, each checked for its status."""

    def __init__(self, app):
        self.app = app

    def _post(self, path: str, body: dict, expected: str) -> None:
        environ = falcon.testing.create_environ(
            path, method="POST", body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, remote_addr="192.0.2.10",
        )
        status = []
        b"".join(self.app(environ, lambda s, h, exc_info=None: status.append(s)))
        assert status[0].startswith(expected), status[0]

    def login(self) -> None:
        self._post("/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD}, "200")

    def register(self) -> None:
        email = f"r-{uuid.uuid4().hex[:16]}@bench.example.com"
        self._post("/api/v1/auth/register", {"email": email, "password": PASSWORD}, "201")


def app_on(url: str):
    settings = Settings.from_env({
        "APP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": SECRET,
        "AUTH_RATE_LIMIT": "1000000/60",  # counted as shipped, never refusing the bench
        "LOGIN_MAX_FAILURES": "1000",
    })
    database = open_database(url)
    migrate(database)
    app = create_app(settings, database)
    accounts.register(EMAIL, PASSWORD, Passwords.for_profile("production"))
    server_pid = None
    if url.startswith("postgresql"):
        server_pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return app, database, server_pid


def measure(backends: dict, requests: int, rounds: int) -> dict:
    """line -> (median wall rate, median CPU rate), the lines taking turns in every round."""
    hasher = argon2.PasswordHasher()
    stored = hasher.hash(PASSWORD)
    lines = {
        "bare argon2 verify": (Meter(None), lambda: hasher.verify(stored, PASSWORD)),
        "bare argon2 hash": (Meter(None), lambda: hasher.hash(PASSWORD)),
    }
    for backend, (app, database, server_pid) in backends.items():
        calls = Calls(app)
        lines[f"login, {backend}"] = (Meter(server_pid), calls.login, database)
        lines[f"register, {backend}"] = (Meter(server_pid), calls.register, database)
    rates = {line: [] for line in lines}
    for number in range(rounds + 1):  # the first round warms up, uncounted
        for line, (meter, call, *database) in lines.items():
            if database:
                db.initialize(database[0])
            measured = meter.run(call, requests if number else 3)
            if number:
                rates[line].append(measured)
    return {line: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
            for line, r in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="calls per line and round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    backends = {"sqlite": app_on(fresh_sqlite())}
    postgres = fresh_postgres(DATABASE)
    if postgres:
        backends["postgresql"] = app_on(postgres)
    try:
        figures = measure(backends, args.requests, args.rounds)
    finally:
        for _, database, _ in backends.values():
            database.close()
        if postgres:
            drop_postgres(DATABASE)
    params = argon2.PasswordHasher()
    print(f"argon2id t={params.time_cost} m={params.memory_cost} KiB p={params.parallelism}; "
          f"{args.requests} calls per line, median of {args.rounds} rounds; {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.2f}\n")
    print(f"{'line':30}{'per second':>12}{'per core':>10}{'CPU ms':>9}")
    for line, (wall, cpu) in figures.items():
        print(f"{line:30}{wall:>12.1f}{cpu:>10.1f}{1000 / cpu:>9.1f}")
    print()
    print(f"{'target':58}{'figure':>8}{'target':>9}  verdict")
    for line, (_, cpu) in figures.items():
        base = ("bare argon2 verify" if line.startswith("login") else
                "bare argon2 hash" if line.startswith("register") else None)
        if base:
            ratio = cpu / figures[base][1]
            print(f"{line + ' per core / ' + base + ' per core':58}{ratio:>8.2f}{'>= ' + str(TARGET):>9}  "
                  f"{'met' if ratio >= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
