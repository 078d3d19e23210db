"""Requests per second and latency over HTTP under gunicorn, with wrk as the load.

    .venv/bin/python bench/over_http.py [--duration 10] [--connections 16] [--workers 2]

For SQLite and PostgreSQL (skipped when none answers at BENCH_POSTGRES_URL),
each seeded with 1 admin, 100 users and 1,000 widgets, and for a bare Falcon
app serving the same bytes from memory (the ceiling), all with the same worker
count. The service runs with APP_ENV=production (request validation on,
response validation off, argon2's production profile). Prints a table, the
ratios to the ceiling, login throughput and the peak RSS of the workers.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import requests
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import ADMIN_EMAIL, PASSWORD, seed  # noqa: E402
from service.db.connection import bind, migrate, open_database  # noqa: E402
from tests.support.gunicorn import Gunicorn  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-of-at-least-thirty-two-bytes"
ENDPOINTS = [
    ("GET /api/v1/widgets?per_page=10", "GET", "/api/v1/widgets?per_page=10"),
    ("GET /api/v1/widgets/{name}", "GET", "/api/v1/widgets/widget-0500"),
    ("GET /api/v1/auth/user", "GET", "/api/v1/auth/user"),
    ("POST /api/v1/widgets", "POST", "/api/v1/widgets"),
]
POST_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  prefix = tostring(id) .. "-" .. tostring(os.time())
  serial = 0
end
function request()
  serial = serial + 1
  local body = '{"name": "w' .. prefix .. '-' .. serial .. '", "info_url": "https://example.com", "deadline": "12/31/2030"}'
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end
"""
LOGIN_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email": "%s", "password": "%s"}'
""" % (ADMIN_EMAIL, PASSWORD)


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def fresh_postgres() -> str | None:
    try:
        conn = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError:
        return None
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS widget_api_bench WITH (FORCE)"))
        cur.execute(sql.SQL("CREATE DATABASE widget_api_bench"))
    conn.close()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/widget_api_bench"


def peak_rss_mb(server: Gunicorn) -> float:
    """The highest resident set of any of the server's workers so far."""
    peaks = []
    for pid in server.worker_pids():
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return max(peaks)


def run_wrk(wrk: str, url: str, args, headers: dict, script: str | None = None) -> dict:
    command = [wrk, f"-t{min(2, args.connections)}", f"-c{args.connections}", f"-d{args.duration}s",
               "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        command[1:1] = ["-s", lua.name]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def bench_service(wrk: str, url: str, args) -> tuple:
    database = open_database(url)
    migrate(database)
    bind(database)
    seed()
    database.close()
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
           "TOKEN_EXPIRE_SECONDS": "3600", "AUTH_RATE_LIMIT": "0"}
    server = Gunicorn(["-c", "gunicorn.conf.py"], env, args.workers)
    try:
        login = requests.post(server.url + "/api/v1/auth/login",
                              json={"email": ADMIN_EMAIL, "password": PASSWORD}, timeout=10)
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        recorded, results = {}, {}
        for name, method, path in ENDPOINTS:
            body = {"name": "recorded", "info_url": "https://example.com", "deadline": "12/31/2030"}
            answer = requests.request(method, server.url + path, headers=auth,
                                      json=body if method == "POST" else None, timeout=10)
            recorded[f"{method} {path.split('?')[0]}"] = [answer.status_code, answer.text]
            results[name] = run_wrk(wrk, server.url + path, args, auth,
                                    POST_SCRIPT if method == "POST" else None)
        before_login = peak_rss_mb(server)
        results["POST /api/v1/auth/login"] = run_wrk(wrk, server.url + "/api/v1/auth/login",
                                                     args, {}, LOGIN_SCRIPT)
        return results, recorded, (before_login, peak_rss_mb(server))
    finally:
        server.stop()


def bench_ceiling(wrk: str, recorded: dict, args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(recorded, handle)
    server = Gunicorn(["bench.ceiling:make_app()"], {"CEILING_RESPONSES": handle.name}, args.workers)
    try:
        auth = {"Authorization": "Bearer x"}
        return {name: run_wrk(wrk, server.url + path, args, auth,
                              POST_SCRIPT if method == "POST" else None)
                for name, method, path in ENDPOINTS}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    wrk = ensure_wrk()

    backends = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    postgres = fresh_postgres()
    if postgres:
        backends["postgresql"] = postgres
    table, rss, recorded = {}, {}, {}
    for backend, url in backends.items():
        table[backend], recorded, rss[backend] = bench_service(wrk, url, args)
    table["ceiling"] = bench_ceiling(wrk, recorded, args)

    print(f"wrk {args.connections} connections, {args.duration} s per line, gunicorn "
          f"{args.workers} sync workers, {os.cpu_count()} cores shared with wrk\n")
    print(f"{'endpoint':34}{'backend':>12}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'p99/p50':>9}{'of ceiling':>12}{'non-2xx':>9}")
    for name, *_ in ENDPOINTS + [("POST /api/v1/auth/login",)]:
        for backend, results in table.items():
            if name not in results:
                continue
            r = results[name]
            ceiling = table["ceiling"].get(name)
            share = f"{100 * r['rps'] / ceiling['rps']:.0f}%" if ceiling and backend != "ceiling" else ""
            print(f"{name:34}{backend:>12}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
                  f"{r['p99'] / r['p50']:>9.1f}{share:>12}{r['errors']:>9}")
    print()
    for backend, (before_login, peak) in rss.items():
        print(f"peak RSS per worker ({backend}): {before_login:.0f} MB before the login run, "
              f"{peak:.0f} MB after it (argon2's production profile works in 64 MiB)")


if __name__ == "__main__":
    main()
