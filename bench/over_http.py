"""Requests per second and latency over HTTP under gunicorn, with wrk as the load.

    .venv/bin/python bench/over_http.py [--duration 10] [--connections 8] [--workers 2]

For SQLite and PostgreSQL (skipped when none answers at BENCH_POSTGRES_URL),
each seeded with 1 admin, 100 users and 1,000 widgets, and for a bare Falcon
app serving the same bytes from memory (the ceiling), all with the same worker
count, under wrk with one thread (issue 13's method: wrk -t1 -c8, 2 workers).
The service runs with APP_ENV=production (request validation on, response
validation off, argon2's production profile). Prints a table, then every
target of issue 13 beside its figure: the ratios to the ceiling, p99/p50,
PostgreSQL round trips per request (counted on the wire, not timed), and the
RSS per worker after the non-login runs (steady state) and after login (peak).

Each backend runs as shipped (gunicorn.conf.py as it is: workers recycled after about
10,000 requests, the app preloaded in the master) and with recycling off
(GUNICORN_MAX_REQUESTS=0); `--modes` adds `no-preload`, as shipped but with each worker
building its own app. Issue 24's targets are printed for every mode.
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
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import ADMIN_EMAIL, PASSWORD, fresh_postgres, fresh_sqlite, seeded  # noqa: E402
from service.db.connection import PREPARE_THRESHOLD  # noqa: E402
from tests.support.gunicorn import Gunicorn, config_with  # noqa: E402
from tests.support.wire import RoundTripCounter, url_through  # noqa: E402

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
# Issue 13's targets: share of the ceiling per backend and endpoint, round trips per request.
SHARE_TARGETS = {
    ("postgresql", "GET /api/v1/widgets?per_page=10"): 0.45,
    ("postgresql", "GET /api/v1/auth/user"): 0.60,
    ("postgresql", "GET /api/v1/widgets/{name}"): 0.55,
    ("postgresql", "POST /api/v1/widgets"): 0.30,
    ("sqlite", "GET /api/v1/widgets?per_page=10"): 0.55,
    ("sqlite", "GET /api/v1/auth/user"): 0.70,
}
ROUND_TRIP_LIMITS = {
    "GET /api/v1/auth/user": 1,
    "GET /api/v1/widgets/{name}": 2,
    "GET /api/v1/widgets?per_page=10": 2,
    "POST /api/v1/widgets": 3,
}
# Issue 24's targets, for every mode: as shipped above all.
MODE_SHARE_TARGETS = {
    ("sqlite", "GET /api/v1/widgets?per_page=10"): 0.55,
    ("sqlite", "GET /api/v1/auth/user"): 0.70,
    ("postgresql", "GET /api/v1/widgets?per_page=10"): 0.40,
    ("postgresql", "GET /api/v1/auth/user"): 0.55,
}
# Each mode: the environment it adds, and configuration text after gunicorn.conf.py.
MODES = {
    "as shipped": ({}, ""),
    "recycling off": ({"GUNICORN_MAX_REQUESTS": "0"}, ""),
    "no-preload": ({}, "preload_app = False\n"),
}
RECYCLING_OFF = "recycling off"
STEADY_REQUESTS = 10_000  # non-login requests before the steady-state RSS is read
STEADY_RSS_MB = 90
P99_OVER_P50 = 5
LOGIN_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email": "%s", "password": "%s"}'
""" % (ADMIN_EMAIL, PASSWORD)


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def rss_mb(server: Gunicorn, field: str) -> float:
    """The largest `field` of /proc/PID/status (VmRSS now, VmHWM the peak) among the workers."""
    sizes = []
    for pid in server.worker_pids():
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024)
    return max(sizes)


def cpu_seconds(pids) -> dict:
    """pid -> user + system CPU seconds so far, for the processes still alive."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def backends_of(database_name: str) -> set:
    """The local PostgreSQL server processes serving `database_name` (their title names it)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database_name} " in title:
                found.add(int(entry.name))
    return found


class CpuSplit:
    """CPU seconds the workers and the database's server processes spend during one run."""

    def __init__(self, server: Gunicorn, database_name: str | None):
        self.server, self.database_name = server, database_name
        self.before = self._now()

    def _now(self) -> tuple:
        backends = backends_of(self.database_name) if self.database_name else set()
        return cpu_seconds(self.server.worker_pids()), cpu_seconds(backends)

    def spent(self) -> tuple:
        """(worker seconds, database seconds) since this split began."""
        after = self._now()
        return tuple(sum(end.get(pid, 0) - start.get(pid, 0) for pid in end)
                     for start, end in zip(self.before, after))


def run_wrk(wrk: str, url: str, args, headers: dict, script: str | None = None) -> dict:
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.duration}s",
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
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def bench_service(wrk: str, url: str, args, mode: str = RECYCLING_OFF) -> tuple:
    """One backend in one mode: (results, recorded answers, memory, only with recycling off)."""
    # Recycling off: the steady-state RSS is that of a worker that served every request.
    extra_env, extra_config = MODES[mode]
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
           "TOKEN_EXPIRE_SECONDS": "3600", "AUTH_RATE_LIMIT": "0", **extra_env}
    server = Gunicorn(config_with(tempfile.mkdtemp(), extra_config), env, args.workers)
    database_name = urlparse(url).path.strip("/") if url.startswith("postgresql") else None
    try:
        auth = bearer_of(server.url)
        recorded, results = {}, {}
        for name, method, path in ENDPOINTS:
            body = {"name": "recorded", "info_url": "https://example.com", "deadline": "12/31/2030"}
            answer = requests.request(method, server.url + path, headers=auth,
                                      json=body if method == "POST" else None, timeout=10)
            recorded[f"{method} {path.split('?')[0]}"] = [answer.status_code, answer.text]
            split = CpuSplit(server, database_name)
            results[name] = run_wrk(wrk, server.url + path, args, auth,
                                    POST_SCRIPT if method == "POST" else None)
            worker_cpu, database_cpu = split.spent()
            results[name]["cpu_ms"] = (1000 * worker_cpu / results[name]["requests"],
                                       1000 * database_cpu / results[name]["requests"])
        if mode != RECYCLING_OFF:
            return results, recorded, None
        served = sum(r["requests"] for r in results.values())
        served += keep_serving(server.url, auth, STEADY_REQUESTS - served)
        memory = {"requests": served, "steady": rss_mb(server, "VmRSS"),
                  "peak_before_login": rss_mb(server, "VmHWM")}
        results["POST /api/v1/auth/login"] = run_wrk(wrk, server.url + "/api/v1/auth/login",
                                                     args, {}, LOGIN_SCRIPT)
        memory["peak"] = rss_mb(server, "VmHWM")
        return results, recorded, memory
    finally:
        server.stop()


def bearer_of(base: str) -> dict:
    login = requests.post(base + "/api/v1/auth/login",
                          json={"email": ADMIN_EMAIL, "password": PASSWORD}, timeout=10)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def keep_serving(base: str, auth: dict, count: int) -> int:
    """Make up to `count` more of the mixed reads, so the workers have served STEADY_REQUESTS."""
    reads = [path for _, method, path in ENDPOINTS if method == "GET"]
    session = requests.Session()
    for i in range(max(0, count)):
        session.get(base + reads[i % len(reads)], headers=auth, timeout=10)
    return max(0, count)


def round_trips(url: str) -> dict:
    """PostgreSQL round trips per request, counted by a relay on the wire (one worker, warm)."""
    server_address = urlparse(url)
    counter = RoundTripCounter(server_address.hostname, server_address.port or 5432)
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET, "AUTH_RATE_LIMIT": "0",
           "DATABASE_URL": url_through(url, counter.address)}
    server = Gunicorn(["-c", "gunicorn.conf.py"], env, 1)
    try:
        auth = bearer_of(server.url)
        counts = {}
        # The last pass counts: by then psycopg 3 has prepared every statement (once per connection).
        for serial, (name, method, path) in enumerate(ENDPOINTS * (PREPARE_THRESHOLD + 2)):
            body = {"name": f"counted-{serial}", "info_url": "https://example.com",
                    "deadline": "12/31/2030"}
            counter.reset()
            requests.request(method, server.url + path, headers=auth,
                             json=body if method == "POST" else None, timeout=10)
            counts[name] = counter.round_trips
        return counts
    finally:
        server.stop()
        counter.close()


def bench_ceiling(wrk: str, recorded: dict, args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(recorded, handle)
    # gunicorn reads ./gunicorn.conf.py here too: the ceiling runs with the service's settings, and
    # like the service without recycling, which would restart its workers mid-run.
    server = Gunicorn(["bench.ceiling:make_app()"],
                      {"CEILING_RESPONSES": handle.name, "GUNICORN_MAX_REQUESTS": "0"}, args.workers)
    try:
        auth = {"Authorization": "Bearer x"}
        return {name: run_wrk(wrk, server.url + path, args, auth,
                              POST_SCRIPT if method == "POST" else None)
                for name, method, path in ENDPOINTS}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", default="as shipped,recycling off",
                        help=f"comma-separated, of: {', '.join(MODES)}")
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",")]
    wrk = ensure_wrk()

    backends = {"sqlite": fresh_sqlite()}
    postgres = fresh_postgres("widget_api_bench")
    if postgres:
        backends["postgresql"] = postgres
    table, memory, recorded, by_mode = {}, {}, {}, {}
    for backend, url in backends.items():
        seeded(url)
        for mode in modes:
            results, recorded, used = bench_service(wrk, url, args, mode)
            by_mode[mode, backend] = results
            if mode == RECYCLING_OFF:
                table[backend], memory[backend] = results, used
    trips = round_trips(postgres) if postgres else {}
    table["ceiling"] = bench_ceiling(wrk, recorded, args)

    print(f"wrk -t1 -c{args.connections}, {args.duration} s per line, gunicorn "
          f"{args.workers} sync workers, {os.cpu_count()} cores shared with wrk, "
          f"load average before the run {os.getloadavg()[0]:.2f}\n")
    print(f"{'endpoint':34}{'backend':>12}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'p99/p50':>9}{'of ceiling':>12}{'non-2xx':>9}")
    for name, *_ in ENDPOINTS + [("POST /api/v1/auth/login",)]:
        for backend, results in table.items():
            if name not in results:
                continue
            r = results[name]
            ceiling = table["ceiling"].get(name)
            share = f"{r['rps'] / ceiling['rps']:.2f}" if ceiling and backend != "ceiling" else ""
            print(f"{name:34}{backend:>12}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
                  f"{r['p99'] / r['p50']:>9.1f}{share:>12}{r['errors']:>9}")
    print()
    print_cpu(table)
    print()
    print_modes(by_mode, table["ceiling"])
    print()
    print_targets(table, trips, memory)


def print_cpu(table: dict) -> None:
    """CPU per request, the workers' and PostgreSQL's apart: what capacity is made of."""
    print("CPU per request (user + system, from /proc), and requests per second one core could serve")
    print(f"{'endpoint':34}{'backend':>12}{'worker ms':>11}{'database ms':>13}{'req/s/core':>12}")
    for backend, results in table.items():
        for name, r in results.items():
            if "cpu_ms" in r:
                worker, database = r["cpu_ms"]
                per_core = 1000 / (worker + database) if worker + database else float("nan")
                print(f"{name:34}{backend:>12}{worker:>11.2f}{database:>13.2f}{per_core:>12.0f}")


def print_modes(by_mode: dict, ceiling: dict) -> None:
    """Issue 24: each mode's share of the ceiling and p99/p50, every line with its target."""
    print("As shipped and with recycling off (issue 24's targets)")
    print(f"{'mode':16}{'backend':>12}  {'endpoint':34}{'req/s':>8}{'share':>7}{'target':>9}"
          f"{'p99/p50':>9}{'target':>7}  verdict")
    for (mode, backend), results in by_mode.items():
        for name, r in results.items():
            if name not in ceiling:  # login: no ceiling, and no target here
                continue
            share = r["rps"] / ceiling[name]["rps"]
            target = MODE_SHARE_TARGETS.get((backend, name))
            ratio = r["p99"] / r["p50"]
            met = ratio <= P99_OVER_P50 and (target is None or share >= target)
            shown = f">= {target:.2f}" if target else ""
            print(f"{mode:16}{backend:>12}  {name:34}{r['rps']:>8.0f}{share:>7.2f}{shown:>9}"
                  f"{ratio:>9.1f}{'<= ' + str(P99_OVER_P50):>7}  {verdict(met)}")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def print_targets(table: dict, trips: dict, memory: dict) -> None:
    """Every figure issue 13 sets a target for, with the target and whether it is met."""
    print(f"{'target':58}{'figure':>10}{'target':>10}  verdict")
    for (backend, name), target in SHARE_TARGETS.items():
        if backend in table:
            share = table[backend][name]["rps"] / table["ceiling"][name]["rps"]
            print(f"{'share of ceiling, ' + backend + ', ' + name:58}{share:>10.2f}"
                  f"{'>= ' + str(target):>10}  {verdict(share >= target)}")
    for name, limit in ROUND_TRIP_LIMITS.items():
        if name in trips:
            print(f"{'PostgreSQL round trips, ' + name:58}{trips[name]:>10}"
                  f"{'<= ' + str(limit):>10}  {verdict(trips[name] <= limit)}")
    for backend, results in table.items():
        if backend == "ceiling":
            continue
        for name, r in results.items():
            ratio = r["p99"] / r["p50"]
            print(f"{'p99/p50, ' + backend + ', ' + name:58}{ratio:>10.1f}"
                  f"{'<= ' + str(P99_OVER_P50):>10}  {verdict(ratio <= P99_OVER_P50)}")
    for backend, m in memory.items():
        label = f"RSS per worker after {m['requests']:,} non-login requests, {backend}"
        print(f"{label:58}{m['steady']:>7.0f} MB{'<= ' + str(STEADY_RSS_MB):>10}  "
              f"{verdict(m['steady'] <= STEADY_RSS_MB)}")
        label = f"peak RSS per worker, {backend}, before / with login"
        print(f"{label:58}{m['peak_before_login']:>4.0f}/{m['peak']:.0f} MB  (reported)")
    print("p99/p50 targets hold on an idle machine only: compare with the load average above.")


if __name__ == "__main__":
    main()
