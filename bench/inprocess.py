"""In-process cost of one request, in microseconds (median of many), four ways.

    .venv/bin/python bench/inprocess.py [--requests 3000] [--rounds 5]

Lines: a bare Falcon app returning the same bytes; our full stack with
validation off; with our validation on (request and response); with
openapi-core's stock Falcon middleware instead of ours. Requests go straight
to the WSGI callable, so the figures hold no HTTP or network cost.

The lines take turns, in rounds, so that a slower minute of a shared machine
weighs on all of them alike. A validation cost is the mean over rounds of
(line - 'validation off'), and its noise twice that mean's standard error: a
cost within its noise is printed as "below noise", never as a negative cost,
and a ratio is printed only between two costs above their noise.
"""

import argparse
import dataclasses
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import falcon
import falcon.testing
from jsonschema_path import SchemaPath
from openapi_core.contrib.falcon.middlewares import FalconWSGIOpenAPIMiddleware

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import ADMIN_EMAIL, PASSWORD, seed  # noqa: E402
from bench.unchecked import UncheckedValidator  # noqa: E402
from service.app import create_app  # noqa: E402
from service.db.connection import migrate, open_database  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.spec.document import load_spec  # noqa: E402

ENDPOINTS = [
    ("GET /api/v1/widgets?per_page=10", "GET", "/api/v1/widgets", "per_page=10"),
    ("GET /api/v1/widgets/{name}", "GET", "/api/v1/widgets/widget-0500", ""),
    ("GET /api/v1/auth/user", "GET", "/api/v1/auth/user", ""),
    ("POST /api/v1/widgets", "POST", "/api/v1/widgets", ""),
]
LINES = ("bare falcon", "validation off", "our validation", "openapi-core middleware")


def settings_for(url: str, check_responses: bool) -> Settings:
    settings = Settings.from_env({
        "APP_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-of-32-bytes-at-least",
        "TOKEN_EXPIRE_SECONDS": "3600", "AUTH_RATE_LIMIT": "0",
    })
    return dataclasses.replace(settings, validate_responses=check_responses)


class Caller:
    """Call a WSGI app with prepared environs; count requests to give POSTs fresh names."""

    def __init__(self, token: str):
        self.headers = {"Authorization": f"Bearer {token}"}
        self.serial = 0

    def environ(self, method: str, path: str, query: str) -> dict:
        body = b""
        headers = dict(self.headers)
        if method == "POST":
            self.serial += 1
            body = json.dumps({"name": f"bench-{self.serial}", "info_url": "https://example.com",
                               "deadline": "12/31/2030"}).encode()
            headers["Content-Type"] = "application/json"
        return falcon.testing.create_environ(path, query_string=query, method=method,
                                             headers=headers, body=body)

    @staticmethod
    def call(app, environ) -> tuple:
        status = []
        chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
        return status[0], b"".join(chunks)


def timed_us(app, caller: Caller, endpoint, requests: int, warm_up: int) -> tuple:
    """Per-request times in microseconds and the statuses seen, after `warm_up` untimed calls."""
    _, method, path, query = endpoint
    environs = [caller.environ(method, path, query) for _ in range(requests + warm_up)]
    for environ in environs[:warm_up]:
        caller.call(app, environ)
    timings, statuses = [], set()
    for environ in environs[warm_up:]:
        start = time.perf_counter()
        status, _ = caller.call(app, environ)
        timings.append((time.perf_counter() - start) * 1e6)
        statuses.add(status.split()[0])
    return timings, statuses


def measure(apps: dict, caller: Caller, endpoint, requests: int, rounds: int) -> dict:
    """Each line's per-round medians and statuses, the lines taking turns in every round."""
    per_round = max(1, requests // rounds)
    medians = {line: [] for line in apps}
    statuses = {line: set() for line in apps}
    for number in range(rounds):
        for line, app in apps.items():
            timings, seen = timed_us(app, caller, endpoint, per_round, 100 if number == 0 else 10)
            medians[line].append(statistics.median(timings))
            statuses[line] |= seen
    return {line: (medians[line], statuses[line]) for line in apps}


def cost_and_noise(line_medians: list, base_medians: list) -> tuple:
    """Mean per-round difference to the base line, and twice its standard error."""
    differences = [line - base for line, base in zip(line_medians, base_medians)]
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return mean, abs(mean)
    return mean, 2 * statistics.stdev(differences) / math.sqrt(len(differences))


def show_cost(cost: float, noise: float) -> str:
    """A cost above its noise as `N ±n`; one within it as below noise."""
    if cost > noise:
        return f"{cost:.0f} ±{noise:.0f}"
    return f"below noise (±{noise:.0f})"


def show_ratio(ours: tuple, theirs: tuple) -> str:
    """openapi-core's cost over ours, only where both stand above their noise."""
    (our_cost, our_noise), (their_cost, their_noise) = ours, theirs
    if our_cost > our_noise and their_cost > their_noise:
        return f"{their_cost / our_cost:.1f}x"
    return "n/a"


class MediaAsText:
    """Serialise `resp.media` into `resp.text`, the only body openapi-core's middleware reads."""

    def process_response(self, req, resp, resource, req_succeeded):
        if resp.media is not None:
            resp.text = json.dumps(resp.media)


def bare_app(responses: dict) -> falcon.App:
    """Serve, per path and method, the bytes our app answered."""
    app = falcon.App()

    class Canned:
        def __init__(self, by_method):
            for method, (status, body) in by_method.items():
                setattr(self, f"on_{method.lower()}", self._responder(status, body))

        @staticmethod
        def _responder(status, body):
            def respond(req, resp, **params):
                resp.status = status
                resp.content_type = falcon.MEDIA_JSON
                resp.data = body
            return respond

    by_path: dict = {}
    for (method, path), answer in responses.items():
        by_path.setdefault(path, {})[method] = answer
    for path, by_method in by_path.items():
        app.add_route(path, Canned(by_method))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    database = open_database(url)
    migrate(database)
    spec = load_spec()
    ours = create_app(settings_for(url, True), database)
    seed()
    login = falcon.testing.TestClient(ours).simulate_post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    caller = Caller(login.json["access_token"])

    unchecked = UncheckedValidator(spec.operations)
    off = create_app(settings_for(url, False), database, validator=unchecked)
    stock = FalconWSGIOpenAPIMiddleware.from_spec(SchemaPath.from_dict(spec.document))
    # MediaAsText comes after it so that, on the way out, it runs first: openapi-core reads
    # resp.text only.
    core = create_app(settings_for(url, False), database, validator=unchecked,
                      contract_middleware=[stock, MediaAsText()])

    canned = {}
    for _, method, path, query in ENDPOINTS:
        status, body = caller.call(ours, caller.environ(method, path, query))
        canned[(method, path)] = (status, body)
    apps = dict(zip(LINES, (bare_app(canned), off, ours, core)))

    print(f"in-process median per request, microseconds ({args.requests} requests each in "
          f"{args.rounds} rounds; 1 admin, 100 users, 1,000 widgets on SQLite)\n")
    print(f"{'endpoint':34}" + "".join(f"{line:>25}" for line in LINES))
    results = {}
    for endpoint in ENDPOINTS:
        row = measure(apps, caller, endpoint, args.requests, args.rounds)
        results[endpoint[0]] = row
        cells = "".join(
            f"{statistics.median(medians):>17.0f} ({'/'.join(sorted(st))})"
            for medians, st in row.values()
        )
        print(f"{endpoint[0]:34}{cells}")

    print("\nvalidation cost = line minus 'validation off', microseconds, ± its noise; "
          "ratio = openapi-core's cost / ours\n")
    print(f"{'endpoint':34}{'ours (us)':>22}{'openapi-core (us)':>22}{'ratio':>8}{'off / bare':>12}")
    for name, row in results.items():
        base = row["validation off"][0]
        ours = cost_and_noise(row["our validation"][0], base)
        core = cost_and_noise(row["openapi-core middleware"][0], base)
        off_over_bare = statistics.median(base) / statistics.median(row["bare falcon"][0])
        print(f"{name:34}{show_cost(*ours):>22}{show_cost(*core):>22}{show_ratio(ours, core):>8}"
              f"{off_over_bare:>11.1f}x")


if __name__ == "__main__":
    main()
