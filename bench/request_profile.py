"""Where one request's time goes: CPU per request in process, and the functions that take it.

    .venv/bin/python bench/request_profile.py [--backend sqlite|postgresql]
        [--endpoint list|get|user|create] [--requests 3000] [--top 30]

Seeds the benchmark data set (1 admin, 100 users, 1,000 widgets), builds the app
as gunicorn would in production (request validation on, response validation
off, JSON log lines written, to /dev/null here), and calls it directly. Prints
the CPU time of one request in this process (the best of 5 rounds: the server's
share on PostgreSQL is not in it; bench/over_http.py measures both), then runs
the requests again under cProfile and prints the functions by cumulative time.
cProfile slows Python calls several times over, so read its column as shares,
not as durations. A request in a gunicorn worker costs more than here: the HTTP
parsing and socket calls around it, and colder caches (bench/over_http.py).
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import falcon.testing

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.connections import SECRET, recreate_database  # noqa: E402
from bench.inprocess import Caller  # noqa: E402
from bench.seed import ADMIN_EMAIL, PASSWORD, seed  # noqa: E402
from service import observability  # noqa: E402
from service.app import create_app  # noqa: E402
from service.db.connection import bind, migrate, open_database  # noqa: E402
from service.settings import Settings  # noqa: E402

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/widget_api_bench_profile"
)
ENDPOINTS = {
    "list": ("GET", "/api/v1/widgets", "per_page=10"),
    "get": ("GET", "/api/v1/widgets/widget-0500", ""),
    "user": ("GET", "/api/v1/auth/user", ""),
    "create": ("POST", "/api/v1/widgets", ""),
}
ROUNDS = 5


def seeded_app(backend: str):
    """The production app on a freshly seeded database, and a caller holding an admin token."""
    if backend == "postgresql":
        recreate_database(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/profile.db"
    database = open_database(url)
    migrate(database)
    bind(database)
    seed()
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp())
    observability.configure_logging(stream=open(os.devnull, "w"))
    settings = Settings.from_env({
        "APP_ENV": "production", "DATABASE_URL": url, "TOKEN_EXPIRE_SECONDS": "3600",
        "SECRET_KEY": SECRET, "AUTH_RATE_LIMIT": "0",
    })
    app = create_app(settings, database)
    login = falcon.testing.TestClient(app).simulate_post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    return app, Caller(login.json["access_token"])


def cpu_us_per_request(app, caller: Caller, endpoint: tuple, requests: int) -> float:
    """The best of ROUNDS rounds of CPU time per request, in microseconds, after a warm-up."""
    for _ in range(200):
        caller.call(app, caller.environ(*endpoint))
    best = float("inf")
    for _ in range(ROUNDS):
        environs = [caller.environ(*endpoint) for _ in range(requests // ROUNDS)]
        started = time.process_time()
        for environ in environs:
            caller.call(app, environ)
        best = min(best, (time.process_time() - started) / len(environs))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="list")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    app, caller = seeded_app(args.backend)
    endpoint = ENDPOINTS[args.endpoint]
    status, _ = caller.call(app, caller.environ(*endpoint))
    per_request = cpu_us_per_request(app, caller, endpoint, args.requests)
    print(f"{args.endpoint} on {args.backend} ({status}): {per_request:.0f} us of CPU per request "
          f"in this process, best of {ROUNDS} rounds of {args.requests // ROUNDS}\n")
    environs = [caller.environ(*endpoint) for _ in range(args.requests)]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for environ in environs:
        caller.call(app, environ)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    if args.backend == "postgresql":
        recreate_database(POSTGRES_URL, drop_only=True)


if __name__ == "__main__":
    main()
