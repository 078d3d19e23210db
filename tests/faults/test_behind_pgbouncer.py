"""Behind PgBouncer, with PostgreSQL gone, the service still answers 503 at once.

PgBouncer keeps the service's connections open while it cannot reach the server and
holds their queries, waiting `query_wait_timeout` (120 s by default) and retrying the
server every `server_login_retry` (15 s): nothing the server bounds applies. The
service bounds that wait itself, so it holds with PgBouncer's defaults; the settings
docs/deploy.md gives make PgBouncer answer sooner still.
"""

import time

import pytest

from tests.support.gunicorn import serve_unlimited
from tests.support.over_http import TIMEOUT, http
from tests.support.pgbouncer import PgBouncer
from tests.support.wire import url_through

pytestmark = pytest.mark.server

# What docs/deploy.md advises for PgBouncer in front of the service.
ADVISED = {"query_wait_timeout": 5, "server_connect_timeout": 3, "server_login_retry": 1}


@pytest.fixture(scope="module", params=["pgbouncer defaults", "pgbouncer as advised"])
def pooled(request, faults_database_url, proxy):
    settings = ADVISED if request.param.endswith("advised") else {}
    pooler = PgBouncer(url_through(faults_database_url, proxy.address), **settings)
    server = serve_unlimited(
        pooler.url_for(faults_database_url), DATABASE_PREPARED_STATEMENTS="off"  # PgBouncer 1.18
    )
    yield server
    server.stop()
    pooler.stop()


def timed_ready(url: str):
    started = time.monotonic()
    response = http().get(url + "/ready", timeout=TIMEOUT)
    return response, time.monotonic() - started


def test_with_postgresql_gone_ready_answers_503_well_before_the_worker_timeout(pooled, proxy):
    proxy.restore()
    assert all(timed_ready(pooled.url)[0].status_code == 200 for _ in range(4))
    proxy.cut()
    try:
        answers = [timed_ready(pooled.url) for _ in range(4)]
    finally:
        proxy.restore()
    print("503 after", [f"{seconds:.1f} s" for _, seconds in answers])
    assert [response.status_code for response, _ in answers] == [503] * 4
    assert all(seconds < TIMEOUT for _, seconds in answers)
    deadline = time.monotonic() + TIMEOUT
    while timed_ready(pooled.url)[0].status_code != 200:
        assert time.monotonic() < deadline, "no service once PostgreSQL was back"
        time.sleep(0.5)
