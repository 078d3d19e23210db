"""Requests gunicorn refuses before the app sees them answer the error envelope, over real gunicorn:
the status gunicorn gives, `application/json`, an `X-Request-ID`, a fixed message quoting nothing
the client sent, and one well-formed log line."""

import json
import re
import subprocess
import sys
import time

import pytest

from service.worker import RECEIVE_SECONDS
from tests.support.gunicorn import ROOT, serve
from tests.support.raw_http import exchange

pytestmark = pytest.mark.server

GUNICORN_LINE = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] \S.*")
GENERATED = re.compile(r"[0-9a-f]{32}")
FILLER = b"q" * 9000
# (what the client sends, the status gunicorn answers it with, a part of it no answer may quote)
REFUSED = {
    "bad request line": (b"GARBAGE\r\n\r\n", 400, "GARBAGE"),
    "bad method": (b"G@T /health HTTP/1.1\r\nHost: x\r\n\r\n", 400, "G@T"),
    "bad HTTP version": (b"GET /health HTTP/7.3\r\nHost: x\r\n\r\n", 400, "7.3"),
    "negative Content-Length": (
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, "-1"),
    "bad header name": (b"GET /health HTTP/1.1\r\nHost: x\r\nBad\x01Name: 1\r\n\r\n", 400, "Bad"),
    "over-long request line": (
        b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "aaaaaaaa"),
    "too many headers": (
        b"GET /health HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-Many-%d: 1\r\n" % i for i in range(60)) + b"\r\n", 431, "X-Many"),
    "too large a header": (
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + FILLER + b"\r\n\r\n", 431, "qqqqqqqq"),
    "unknown transfer coding": (
        b"PUT /api/v1/widgets/any HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-custom\r\n\r\n",
        501, "x-custom"),
    # sent, then nothing: the head never ends (RECEIVE_SECONDS later, 408, not a killed worker)
    "headers that never end": (b"GET /health HTTP/1.1\r\nHost: x\r\n", 408, "health"),
    "a request line that never ends": (b"GET /health HTTP/1.1", 408, "health"),
}


@pytest.fixture(scope="module")
def gunicorn(database_url):
    """gunicorn -c gunicorn.conf.py; no refusal reaches the database."""
    running = serve(database_url)
    running.wait_for_boot_lines(2)
    yield running
    running.stop()


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_request_answers_the_envelope(gunicorn, case):
    data, status, sent = REFUSED[case]
    logged = len(gunicorn.errors().splitlines())
    answered, headers, body = exchange(gunicorn, data)
    assert answered == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert GENERATED.fullmatch(headers["x-request-id"])
    assert headers["x-content-type-options"] == "nosniff"
    envelope = json.loads(body)
    assert set(envelope) == {"status", "message"} and envelope["status"] == "fail"
    assert envelope["message"] and sent not in envelope["message"]
    lines = gunicorn.errors().splitlines()[logged:]
    assert [line for line in lines if not GUNICORN_LINE.fullmatch(line)] == [], lines
    assert [line for line in lines if "Invalid request from ip=" in line and
            headers["x-request-id"] in line] == lines and len(lines) == 1, lines


def test_each_refusal_gets_its_own_request_id(gunicorn):
    ids = {exchange(gunicorn, b"GARBAGE\r\n\r\n")[1]["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_a_refused_head_request_answers_headers_only(gunicorn):
    status, headers, body = exchange(
        gunicorn, b"HEAD /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    assert (status, body) == (400, b"")
    assert headers["content-type"] == "application/json" and int(headers["content-length"]) > 0
    assert GENERATED.fullmatch(headers["x-request-id"])


def test_the_worker_module_leaves_metrics_and_logging_to_the_workers():
    """gunicorn's master imports the worker class: it must not bring the metrics (which would make
    files in the master) or the app's logging."""
    code = (
        "import sys, service.worker, gunicorn.workers.sync as sync;"
        "assert issubclass(service.worker.EnvelopeWorker, sync.SyncWorker);"
        "print(sorted(m for m in sys.modules if m.startswith(('service.', 'prometheus', 'falcon'))))"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True)
    assert found.stdout.strip() == "['service.worker']"


def test_a_body_that_stops_half_way_answers_400_within_the_receive_bound(gunicorn):
    """The head arrived, the body stops: the app refuses it as incomplete once the bound is
    past, long before gunicorn's worker timeout would kill the worker."""
    head = (b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    started = time.monotonic()
    status, headers, body = exchange(gunicorn, head + b'{"email": "slow@exam')
    assert status == 400 and json.loads(body)["status"] == "fail" and headers["x-request-id"]
    assert time.monotonic() - started < RECEIVE_SECONDS + 3
    assert "WORKER TIMEOUT" not in gunicorn.errors()
