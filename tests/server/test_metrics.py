"""/metrics of a real gunicorn: the sum over its workers, recycled ones included, valid for promtool."""

import time
from pathlib import Path

import pytest

from service.db.connection import migrate, open_database
from tests.support.gunicorn import serve
from tests.support.metrics import promtool, promtool_problems, sample
from tests.support.over_http import TIMEOUT, http

pytestmark = pytest.mark.server

REQUESTS = 90
WORKERS = 3
HEALTH = {"method": "GET", "route": "/health", "status": "200"}


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """A migrated SQLite file: the figures do not depend on the database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'metrics.db'}"
    migrate(open_database(url))
    return url


@pytest.fixture
def recycling_server(database_url):
    """Three workers, each replaced after about 10 requests (gunicorn's max_requests)."""
    running = serve(
        database_url, workers=WORKERS, GUNICORN_MAX_REQUESTS="10", GUNICORN_MAX_REQUESTS_JITTER="0",
        TRUSTED_PROXIES="127.0.0.1",
    )
    yield running
    running.stop()


def scrape(base: str, **headers) -> str:
    response = http().get(base + "/metrics", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.text


def test_n_requests_over_three_recycled_workers_count_exactly_n(recycling_server):
    before = sample(scrape(recycling_server.url), "http_requests_total", **HEALTH)
    first_workers = recycling_server.worker_pids()
    for _ in range(REQUESTS):  # a connection each, so gunicorn spreads them over its workers
        assert http().get(recycling_server.url + "/health", timeout=TIMEOUT).status_code == 200
    after = scrape(recycling_server.url)
    assert sample(after, "http_requests_total", **HEALTH) - before == REQUESTS
    assert sample(after, "http_request_duration_seconds_count", method="GET", route="/health") >= REQUESTS
    assert first_workers - recycling_server.worker_pids(), "some worker was recycled meanwhile"


RECYCLED_REQUESTS = 600
FILES_PER_WORKER = 2  # counter_<pid>.db and histogram_<pid>.db
ARCHIVE_FILES = 3  # counter_archive.db, histogram_archive.db and the lock


def total(text: str, name: str) -> float:
    """The sum of every sample `name`, whatever its labels."""
    return sample(text, name)


def settled_files(directory: Path, server, seconds: float = 30) -> list:
    """The directory's files once no file names a worker that is gone (the master folds it
    just after the worker exits)."""
    deadline = time.monotonic() + seconds
    while True:
        files = sorted(path.name for path in directory.iterdir())
        named = {name.rpartition("_")[2].removesuffix(".db") for name in files if name.endswith(".db")}
        live = {str(pid) for pid in server.worker_pids()} | {"archive"}
        if named <= live or time.monotonic() > deadline:
            return files
        time.sleep(0.1)


def test_recycled_workers_are_folded_into_a_bounded_directory_with_exact_totals(database_url, tmp_path):
    directory = tmp_path / "metrics"
    server = serve(
        database_url, workers=WORKERS, GUNICORN_MAX_REQUESTS="10", GUNICORN_MAX_REQUESTS_JITTER="0",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    try:
        before = scrape(server.url)
        first_workers = server.worker_pids()
        for _ in range(RECYCLED_REQUESTS):
            assert http().get(server.url + "/health", timeout=TIMEOUT).status_code == 200
        after = scrape(server.url)
        files = settled_files(directory, server)
        print(f"{len(files)} files after {RECYCLED_REQUESTS} requests: {files}")
        # The first scrape is counted too (once answered), the second not yet.
        answered = total(before, "http_requests_total") + 1 + RECYCLED_REQUESTS
        assert total(after, "http_requests_total") == answered
        assert total(after, "http_request_duration_seconds_count") == answered
        assert sample(after, "http_requests_total", **HEALTH) - sample(before, "http_requests_total", **HEALTH) \
            == RECYCLED_REQUESTS
        assert not first_workers & server.worker_pids(), "every first worker was recycled"
        assert len(files) <= FILES_PER_WORKER * WORKERS + ARCHIVE_FILES, files
        again = scrape(server.url)  # the folded figures read the same, scrape after scrape
        assert total(again, "http_requests_total") == answered + 1
    finally:
        server.stop()


@pytest.fixture
def checker() -> str:
    """promtool, asked for before any server starts."""
    return promtool()


def test_the_exposition_passes_promtool_check_metrics(checker, recycling_server):
    http().get(recycling_server.url + "/api/v1/widgets", timeout=TIMEOUT)  # a 401, counted too
    text = scrape(recycling_server.url)
    # The scraping worker's own process figures are there. Its CPU may read 0: a worker forked a
    # moment ago from the preloaded master may not have used one clock tick (10 ms) yet.
    assert sample(text, "process_resident_memory_bytes") > 0
    assert "process_cpu_seconds_total" in text
    assert promtool_problems(text, checker) == ""


def test_metrics_for_a_client_behind_a_trusted_proxy_not_allowed_answer_404(recycling_server):
    response = http().get(
        recycling_server.url + "/metrics", headers={"X-Forwarded-For": "198.51.100.7"}, timeout=TIMEOUT
    )
    assert response.status_code == 404
    assert response.json() == {"status": "fail", "message": "Not Found"}


def test_metrics_for_this_host_behind_a_trusted_proxy_are_shown(recycling_server):
    assert "http_requests_total" in scrape(recycling_server.url, **{"X-Forwarded-For": "127.0.0.1"})


@pytest.mark.parametrize("spelling", ["//metrics", "///metrics"])
def test_a_method_metrics_lacks_spelled_with_more_slashes_answers_404_to_a_refused_client(
    recycling_server, spelling
):
    """gunicorn hands the path on as sent; the router strips the extra slashes, and so must the gate."""
    outsider = {"X-Forwarded-For": "198.51.100.7"}
    refused = http().put(recycling_server.url + spelling, headers=outsider, timeout=TIMEOUT)
    unknown = http().put(recycling_server.url + "//nosuch", headers=outsider, timeout=TIMEOUT)
    assert refused.request.path_url == spelling
    assert (refused.status_code, refused.json()) == (unknown.status_code, unknown.json()) == (
        404, {"status": "fail", "message": "Not Found"}
    )
