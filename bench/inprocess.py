"""In-process cost of one request, in microseconds (median of many), four ways.

    .venv/bin/python bench/inprocess.py [--requests 3000]

Lines: a bare Falcon app returning the same bytes; our full stack with
validation off; with our validation on (request and response); with
openapi-core's stock Falcon middleware instead of ours. Requests go straight
to the WSGI callable, so the figures hold no HTTP or network cost.
"""

import argparse
import dataclasses
import json
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
from service.spec import load_spec  # noqa: E402

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


def median_us(app, caller: Caller, endpoint, requests: int) -> tuple:
    _, method, path, query = endpoint
    environs = [caller.environ(method, path, query) for _ in range(requests + 100)]
    for environ in environs[:100]:
        caller.call(app, environ)
    timings, statuses = [], set()
    for environ in environs[100:]:
        start = time.perf_counter()
        status, _ = caller.call(app, environ)
        timings.append(time.perf_counter() - start)
        statuses.add(status.split()[0])
    return statistics.median(timings) * 1e6, statuses


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

    print(f"in-process median per request, microseconds ({args.requests} requests each; "
          "1 admin, 100 users, 1,000 widgets on SQLite)\n")
    print(f"{'endpoint':34}" + "".join(f"{line:>25}" for line in LINES))
    results = {}
    for endpoint in ENDPOINTS:
        row = {line: median_us(app, caller, endpoint, args.requests) for line, app in apps.items()}
        results[endpoint[0]] = row
        cells = "".join(f"{us:>17.0f} ({'/'.join(sorted(st))})" for us, st in row.values())
        print(f"{endpoint[0]:34}{cells}")

    print("\nvalidation cost = line minus 'validation off'; ratio = openapi-core's cost / ours\n")
    print(f"{'endpoint':34}{'ours (us)':>12}{'openapi-core (us)':>20}{'ratio':>10}{'off / bare':>12}")
    for name, row in results.items():
        base = row["validation off"][0]
        ours_cost = row["our validation"][0] - base
        core_cost = row["openapi-core middleware"][0] - base
        ratio = core_cost / ours_cost if ours_cost > 0 else float("inf")
        print(f"{name:34}{ours_cost:>12.0f}{core_cost:>20.0f}{ratio:>9.1f}x"
              f"{base / row['bare falcon'][0]:>11.1f}x")


if __name__ == "__main__":
    main()
