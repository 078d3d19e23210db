"""gunicorn's own log lines, written in the workers the service configures: one well-formed line
per event, for malformed requests and worker shutdowns alike."""

import os
import re
import signal
import socket

import pytest

pytestmark = pytest.mark.server

# gunicorn's error-log format: "[2026-12-05 17:12:10 +0000] [13704] [INFO] Booting worker ..."
GUNICORN_LINE = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] \S.*")
MALFORMED = [
    b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(60)) + b"\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
    b"PUT /api/v1/widgets/any HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-custom\r\n\r\n",
]


def send(server, data: bytes) -> bytes:
    """Write raw bytes to the server and read its whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def assert_well_formed(text: str) -> list:
    lines = text.splitlines()
    assert "Logging error" not in text and "Traceback" not in text, text[:3000]
    assert [line for line in lines if not GUNICORN_LINE.fullmatch(line)] == [], text[:3000]
    return lines


def test_malformed_requests_log_one_well_formed_line_each(server):
    before = len(assert_well_formed(server.errors()))
    for data in MALFORMED:
        assert send(server, data)[:10] in (b"HTTP/1.1 4", b"HTTP/1.1 5")
    after = assert_well_formed(server.errors())[before:]
    refused = [line for line in after if "Invalid request from ip=" in line]
    assert len(refused) == len(after) and len(after) >= len(MALFORMED), after


def test_a_worker_shutdown_logs_well_formed_lines(server):
    worker = min(server.worker_pids())
    os.kill(worker, signal.SIGTERM)
    server.wait_for_workers(2)
    server.terminate()
    server.process.wait(timeout=30)
    lines = assert_well_formed(server.errors())
    assert any(f"Worker exiting (pid: {worker})" in line for line in lines), lines
