"""A new or recycled worker is a fork of the master's app: it builds nothing, and
serves its first request at once.

Each worker writes down, in hooks added to gunicorn.conf.py (tests/support/boots.py),
what it found at its fork and what its first request cost it. The assertions are on
what preloading guarantees (the app was built before the fork, the worker imported
nothing to serve, its random state is its own); the time from fork to first answer
and the CPU it took are printed, and bench/worker_boot.py measures them under load.
"""

import os
import re
import signal

import pytest

from tests.server.test_reload_and_shutdown import wait_for_new_workers
from tests.support import boots
from tests.support.databases import empty_tables
from tests.support.gunicorn import config_with, serve
from tests.support.over_http import TIMEOUT, http

pytestmark = pytest.mark.server

RECYCLE_AFTER = 5  # requests per worker, so that every worker here is soon a recycled one
REQUESTS = 40
# Far below the 0.65 s of CPU a worker spent building the app itself, far above what a
# fork of a built one spends (a few ms): what separates the two, not a speed target.
CPU_BOUND_SECONDS = 0.25


def test_new_and_recycled_workers_serve_from_the_app_built_before_their_fork(
    database_url, database, tmp_path
):
    empty_tables(database)
    records_dir = tmp_path / "boots"
    records_dir.mkdir()
    server = serve(database_url, 2, config_with(tmp_path, boots.recording(records_dir)),
                   GUNICORN_MAX_REQUESTS=str(RECYCLE_AFTER), GUNICORN_MAX_REQUESTS_JITTER="0")
    try:
        for _ in range(REQUESTS):  # /ready: a query, so the first answer opens the connection too
            assert http().get(server.url + "/ready", timeout=TIMEOUT).status_code == 200
        records = boots.records(records_dir, REQUESTS // RECYCLE_AFTER)
    finally:
        server.stop()
    for record in records:
        print(f"worker: first answer {boots.first_answer_ms(record):.1f} ms after its fork, "
              f"{1000 * record['cpu']:.0f} ms of CPU")
    assert all(record["app_built"] and record["masters_app"] for record in records), records
    assert all(record["modules_served"] == record["modules"] for record in records), records
    assert all(record["cpu"] <= CPU_BOUND_SECONDS for record in records), records
    assert len({record["drawn"] for record in records}) == len(records)  # `random` reseeded in each


def test_the_master_writes_no_metrics_file_of_its_own(database_url, database, tmp_path):
    """The files are named by the pid that writes them: the master, which builds the app and
    so defines the metrics, leaves none, at its start nor after a reload."""
    empty_tables(database)
    metrics_dir = tmp_path / "metrics"
    server = serve(database_url, 2, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    try:
        for _ in range(10):
            http().get(server.url + "/health", timeout=TIMEOUT)
        before = server.worker_pids()
        os.kill(server.master_pid, signal.SIGHUP)
        wait_for_new_workers(server, before)
        for _ in range(10):
            http().get(server.url + "/health", timeout=TIMEOUT)
        writers = {path.stem.rpartition("_")[2] for path in metrics_dir.glob("*.db")}
        assert writers and str(server.master_pid) not in writers, writers  # and "archive": the old workers' files
        scraped = http().get(server.url + "/metrics", timeout=TIMEOUT).text
        counted = re.search(r'http_requests_total\{method="GET",route="/health",status="200"\} (\S+)',
                            scraped)
        assert float(counted.group(1)) >= 20  # and the first start's check for /health
    finally:
        server.stop()
