"""What a new or recycled worker costs: from its fork to its first answer, and its memory.

    .venv/bin/python bench/worker_boot.py [--duration 10] [--recycle-after 500] [--workers 2]

gunicorn as shipped (the app built once in the master, each worker a fork of it) beside
the same configuration with `preload_app = False` (each worker builds its own app), in
the production profile on a seeded SQLite file, under wrk on the current user endpoint
with the workers recycled every --recycle-after requests (a tenth of it as jitter), so
that a request already waits when a worker boots. For the workers forked during the
load: how many, the median and largest time from the fork to the end of the first
answer (the target: within 50 ms), and the CPU each spent meanwhile. Then each live
worker's RSS beside its PSS (its proportional set size: each page shared by n
processes counted 1/n), and the part of its RSS it shares, from /proc/PID/smaps_rollup;
the master's too.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.over_http import SECRET, bearer_of, ensure_wrk, run_wrk  # noqa: E402
from bench.seed import fresh_sqlite, seeded  # noqa: E402
from tests.support import boots  # noqa: E402
from tests.support.gunicorn import Gunicorn, config_with  # noqa: E402

TARGET_MS = 50
USER = "/api/v1/auth/user"
MODES = {"as shipped (preload)": "", "preload_app = False": "preload_app = False\n"}


def memory_mb(pid: int) -> dict:
    """Rss, Pss and the shared part of the RSS of process `pid`, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "shared": fields["Shared_Clean"] + fields["Shared_Dirty"]}


def measure(wrk: str, url: str, extra: str, args) -> tuple:
    """(records of the workers forked under load, {pid: memory} of the workers, the master's)."""
    directory = Path(tempfile.mkdtemp())
    (directory / "boots").mkdir()
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
           "TOKEN_EXPIRE_SECONDS": "3600", "AUTH_RATE_LIMIT": "0",
           "GUNICORN_MAX_REQUESTS": str(args.recycle_after),
           "GUNICORN_MAX_REQUESTS_JITTER": str(args.recycle_after // 10)}
    server = Gunicorn(config_with(directory, boots.recording(directory / "boots") + extra),
                      env, args.workers)
    try:
        auth = bearer_of(server.url)
        started = time.monotonic()  # the clock the hooks read, one for every process
        run_wrk(wrk, server.url + USER, args, auth)
        workers = {pid: memory_mb(pid) for pid in server.wait_for_workers(args.workers)}
        master = memory_mb(server.master_pid)
        records = [r for r in boots.records(directory / "boots") if r["forked"] >= started]
        return records, workers, master
    finally:
        server.stop()


def report(mode: str, records: list, workers: dict, master: dict) -> None:
    if records:
        first = [boots.first_answer_ms(r) for r in records]
        cpu = [1000 * r["cpu"] for r in records]
        print(f"{mode:24}{len(records):>9}{statistics.median(first):>10.1f}{max(first):>10.1f}"
              f"{statistics.median(cpu):>10.1f}{max(cpu):>10.1f}   "
              f"{'met' if max(first) <= TARGET_MS else 'NOT MET'} (<= {TARGET_MS} ms)")
    else:
        print(f"{mode:24}{0:>9}   (no worker was recycled: raise --duration or lower --recycle-after)")
    for pid, m in sorted(workers.items()):
        print(f"{'':24}worker {pid}: RSS {m['rss']:.1f} MB, PSS {m['pss']:.1f} MB, "
              f"shared {m['shared']:.1f} MB")
    print(f"{'':24}master: RSS {master['rss']:.1f} MB, PSS {master['pss']:.1f} MB, "
          f"shared {master['shared']:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per mode")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recycle-after", type=int, default=500, help="max_requests")
    args = parser.parse_args()
    wrk = ensure_wrk()
    url = seeded(fresh_sqlite())
    print(f"wrk -t1 -c{args.connections} on GET {USER} for {args.duration} s, {args.workers} "
          f"workers recycled after {args.recycle_after} requests (+ up to {args.recycle_after // 10})")
    print(f"{'':24}{'workers':>9}{'first answer after fork, ms':>20}{'CPU to first answer, ms':>24}")
    print(f"{'mode':24}{'forked':>9}{'median':>10}{'max':>10}{'median':>10}{'max':>10}")
    for mode, extra in MODES.items():
        report(mode, *measure(wrk, url, extra, args))


if __name__ == "__main__":
    main()
