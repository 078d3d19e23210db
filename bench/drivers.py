"""psycopg2 against psycopg 3 under peewee, with and without server-side prepared statements.

    .venv/bin/python bench/drivers.py [--requests 1400] [--postgres-url URL]

Serves the hot requests (current user, one widget, a page of ten) through the
whole app in this process, as a gunicorn sync worker would, on one persistent
connection per driver set-up; rounds interleave the set-ups so a noisy neighbour
hits them alike. Prints microseconds per request (client and server together:
the server runs on the same host) and the ratio to psycopg2. Needs psycopg 3
(`pip install "psycopg[binary]"`); without it only psycopg2 is measured.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import falcon.testing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.connections import SECRET, recreate_database
from bench.seed import ADMIN_EMAIL, PASSWORD, seed
from service.app import create_app
from service.db.connection import PSYCOPG3, bind, migrate, open_database
from service.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/widget_api_bench_drivers"
ROUNDS = 7
REQUESTS = [
    ("current user", "/api/v1/auth/user", ""),
    ("get one", "/api/v1/widgets/widget-0500", ""),
    ("list", "/api/v1/widgets", "per_page=10"),
]


def setups(url: str) -> dict:
    """name -> database, for each driver and statement handling."""
    found = {"psycopg2": open_database(url, prepared=False)}
    if PSYCOPG3:
        unprepared = open_database(url)
        unprepared.connect_params["prepare_threshold"] = None
        found["psycopg 3, unprepared"] = unprepared
        found["psycopg 3, prepared"] = open_database(url)
    return found


def serve(client, path: str, query: str, headers: dict, count: int) -> float:
    """Serve `count` requests; seconds per request."""
    start = time.perf_counter()
    for _ in range(count):
        response = client.simulate_get(path, query_string=query, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    return (time.perf_counter() - start) / count


def measure(url: str, requests: int) -> dict:
    settings = Settings.from_env({"APP_ENV": "production", "DATABASE_URL": url, "SECRET_KEY": SECRET})
    clients = {}
    for name, database in setups(url).items():
        client = falcon.testing.TestClient(create_app(settings, database))
        token = client.simulate_post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
        ).json["access_token"]
        clients[name] = (database, client, {"Authorization": f"Bearer {token}"})
    runs: dict = {}
    for round_number in range(ROUNDS + 1):
        for name, (database, client, headers) in clients.items():
            bind(database)
            for what, path, query in REQUESTS:
                seconds = serve(client, path, query, headers, requests // ROUNDS)
                if round_number:  # the first round warms up (and lets psycopg 3 prepare)
                    runs.setdefault((name, what), []).append(seconds)
    for database, _, _ in clients.values():
        database.close()
    return {key: statistics.median(values) for key, values in runs.items()}


def report(figures: dict) -> None:
    print(f"median of {ROUNDS} rounds, whole app in process, one persistent connection")
    print(f"{'driver':<24}{'request':<14}{'us/request':>12}{'x psycopg2':>12}")
    for what, _, _ in REQUESTS:
        base = figures[("psycopg2", what)]
        for (name, w), seconds in figures.items():
            if w == what:
                print(f"{name:<24}{what:<14}{seconds * 1e6:>12.0f}{seconds / base:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1400, help="requests per set-up and endpoint")
    parser.add_argument("--postgres-url", default=DEFAULT_URL)
    args = parser.parse_args()
    recreate_database(args.postgres_url)
    try:
        database = open_database(args.postgres_url)
        migrate(database)
        bind(database)
        seed()
        database.close()
        report(measure(args.postgres_url, args.requests))
    finally:
        recreate_database(args.postgres_url, drop_only=True)


if __name__ == "__main__":
    main()
