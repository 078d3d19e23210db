"""The service's Prometheus metrics, summed over every gunicorn worker.

Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` is set (gunicorn.conf.py makes the
directory before any worker imports this module): each process writes its figures
to files there, and a scrape adds up the files of every worker, those of recycled
workers included. Without it (the in-process tests, the `widget-api` command) the
client keeps the figures in this process's memory and a scrape shows this process
alone; the metric names and labels are the same in both modes.
"""

import os
from contextlib import contextmanager
from pathlib import Path

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the client writes there from its import on
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import (  # noqa: E402
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

from service import metrics_archive
from service.errors import TooManyRequests

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format, as scrapers have long asked for it; the client's own
# CONTENT_TYPE_LATEST names the same text `version=1.0.0`.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Label values come from a fixed set, so no client can grow the number of series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
UNMATCHED = "unmatched"
LOGIN_OUTCOMES = ("success", "wrong_password", "unknown_email", "throttled")

HTTP_REQUESTS = Counter(
    "http_requests", "HTTP requests answered, by method, spec path template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by method and spec path template.",
    ["method", "route"],
)
LOGINS = Counter("widget_api_logins", "Login attempts, by outcome.", ["outcome"])
TOKENS_REVOKED = Counter("widget_api_tokens_revoked", "Tokens revoked (logouts).")
DATABASE_UNAVAILABLE = Counter(
    "widget_api_database_unavailable", "Requests answered 503 because the database could not serve."
)
for _outcome in LOGIN_OUTCOMES:  # every outcome shows from the start, at 0
    LOGINS.labels(_outcome)


_series: dict = {}  # (method, route, status) -> its counter and histogram: `labels()` once each


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its duration; `route` is the spec path, None when unrouted."""
    method = method if method in METHODS else OTHER  # before the cache, which it bounds too
    key = (method, route, status)
    series = _series.get(key)
    if series is None:
        route = route or UNMATCHED
        series = _series[key] = (
            HTTP_REQUESTS.labels(method, route, str(status)), HTTP_DURATION.labels(method, route)
        )
    series[0].inc()
    series[1].observe(seconds)


def count_login(outcome: str) -> None:
    LOGINS.labels(outcome).inc()


@contextmanager
def login_attempt():
    """Count a login that succeeds, or that a limit refuses (429).

    The two wrong-credential outcomes, which the client is never told apart, are
    counted where the credentials are checked (`accounts.authenticate`).
    """
    try:
        yield
    except TooManyRequests:
        count_login("throttled")
        raise
    count_login("success")


def exposition() -> bytes:
    """The text a scrape gets: every worker's figures when multiprocess, this process's otherwise."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    registry.register(WorkerProcesses(Path(directory)))
    with metrics_archive.reading(directory):  # a recycled worker's figures are counted once
        return generate_latest(registry)


class WorkerProcesses:
    """The client's process metrics (CPU, memory, files) of each live worker, labelled with its `pid`.

    The client cannot add them up across processes, and the figures of whichever
    worker answered a scrape would jump from scrape to scrape. The workers are the
    children of this worker's parent (gunicorn's master) that write metrics files.
    """

    def __init__(self, directory: Path):
        self.directory = directory

    def collect(self):
        families: dict = {}
        for pid in sorted(self.workers()):
            for family in ProcessCollector(pid=lambda pid=pid: pid, registry=None).collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return families.values()

    def workers(self) -> set:
        master = os.getppid()
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            children = []
        writing = {path.stem.rpartition("_")[2] for path in self.directory.glob("*.db")}
        return {int(pid) for pid in children if pid in writing} | {os.getpid()}
