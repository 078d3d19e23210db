"""No request, however hostile, writes more than a few KB to the log, or a line not in UTF-8."""

import json
import logging
import sys

import pytest

from service.observability import MAX_FIELD_CHARS, JsonFormatter
from tests.support.inprocess import PASSWORD
from tests.support.logs import captured_log

REGISTER = "/api/v1/auth/register"
JSON = {"Content-Type": "application/json"}
LINE_BYTES = (
    3 * MAX_FIELD_CHARS
)  # a bounded message and a bounded traceback, with the fields around them


@pytest.fixture
def written():
    """Everything logged during the test, at any level, as the UTF-8 bytes production writes."""
    with captured_log() as lines:
        yield lines


HOSTILE = [
    b'{"email": ' + b"[" * 500 + b"]" * 500 + b', "password": "' + PASSWORD.encode() + b'"}',
    b'{"email": ' + b"[" * 989 + b"]" * 989 + b"}",
    b"[" * 60_000,
    b'{"\\ud800": 1}',
    b'{"email": "' + b"x" * 60_000 + b'", "password": "\\ud800"}',
]


@pytest.mark.parametrize(
    "body", HOSTILE, ids=["depth-500", "depth-989", "depth-60000", "surrogate-key", "long-field"]
)
def test_a_hostile_body_writes_only_short_log_lines(client, written, body):
    response = client.simulate_post(REGISTER, body=body, headers=JSON)
    assert response.status_code == 400
    lines = written()
    assert lines, "the request was logged"
    assert max(len(line) for line in lines) < LINE_BYTES


def record(message: str, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("service.test", logging.ERROR, __file__, 1, message, None, exc_info)


def deep_recursion_error():
    """A RecursionError through two alternating frames, which Python cannot fold into one line."""

    def ping(n):
        return pong(n + 1)

    def pong(n):
        return ping(n + 1)

    try:
        ping(0)
    except RecursionError:
        return sys.exc_info()


def test_a_traceback_thousands_of_frames_deep_is_logged_head_and_tail():
    line = JsonFormatter().format(record("unhandled error", deep_recursion_error()))
    assert len(line.encode()) < LINE_BYTES
    exception = json.loads(line)["exception"]
    assert exception.startswith("Traceback")
    assert exception.endswith("RecursionError: maximum recursion depth exceeded")
    assert "characters left out" in exception


def test_a_long_message_is_logged_head_and_tail():
    entry = json.loads(JsonFormatter().format(record("a" * 50_000 + "z")))
    assert entry["message"].startswith("a") and entry["message"].endswith("z")
    assert len(entry["message"]) < LINE_BYTES


def test_a_message_holding_a_lone_surrogate_is_written_as_utf8_json():
    line = JsonFormatter().format(record("field \ud800 refused"))
    assert json.loads(line.encode("utf-8"))["message"] == "field \ud800 refused"
