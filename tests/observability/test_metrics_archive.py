"""A dead worker's metrics files, folded into the archive: the same sums, fewer files."""

import subprocess
import sys
import textwrap

from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from service import metrics_archive
from tests.support.metrics import sample

WORKER = textwrap.dedent("""
    import sys
    from prometheus_client import Counter, Gauge, Histogram
    Counter("jobs", "Jobs.", ["kind"]).labels("a").inc(int(sys.argv[1]))
    Histogram("took_seconds", "Time.").observe(0.2)
    Gauge("peak", "Peak.", multiprocess_mode="max").set(int(sys.argv[1]))
    Gauge("busy", "Busy.", multiprocess_mode="livesum").set(1)
""")


def worker(directory, count: int) -> int:
    """A process that writes its figures in `directory` and exits; its pid."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": ""}
    process = subprocess.Popen([sys.executable, "-c", WORKER, str(count)], env=env)
    assert process.wait(timeout=60) == 0
    return process.pid


def scrape(directory) -> str:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    with metrics_archive.reading(str(directory)):
        return generate_latest(registry).decode()


def test_folded_workers_leave_the_sums_as_they_were_and_their_files_gone(tmp_path):
    pids = [worker(tmp_path, count) for count in (3, 5, 7)]
    unfolded = scrape(tmp_path)
    for pid in pids:
        multiprocess.mark_process_dead(pid, str(tmp_path))
        assert metrics_archive.fold(str(tmp_path), pid) == 3  # counter, histogram, gauge_max
    folded = scrape(tmp_path)
    assert sample(folded, "jobs_total", kind="a") == sample(unfolded, "jobs_total", kind="a") == 15
    assert sample(folded, "took_seconds_count") == 3
    assert sample(folded, "took_seconds_bucket", le="0.25") == 3
    assert sample(folded, "took_seconds_sum") == sample(unfolded, "took_seconds_sum")
    assert sample(folded, "peak") == 7
    assert sample(folded, "busy") == 0  # a live gauge of the dead is gone
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "counter_archive.db", "gauge_max_archive.db", "histogram_archive.db", "metrics.lock",
    ]


def test_folding_a_worker_again_or_one_without_files_changes_nothing(tmp_path):
    pid = worker(tmp_path, 4)
    metrics_archive.fold(str(tmp_path), pid)
    assert metrics_archive.fold(str(tmp_path), pid) == 0
    assert metrics_archive.fold(str(tmp_path), 999_999) == 0
    assert sample(scrape(tmp_path), "jobs_total") == 4
