"""Request ids and one JSON log line per request, so every event can be traced and counted.

The request line names the route's spec path (`/api/v1/widgets/{name}`), never
the raw path, query string, headers or body: tokens, passwords and the
`Authorization` header cannot reach the log through it.
"""

import contextvars
import functools
import json
import logging
import math
import os
import re
import secrets
import sys
import time
from datetime import UTC, datetime

import orjson

from service import metrics
from service.settings import LOG_LEVELS, choice

REQUEST_ID_HEADER = "X-Request-ID"
# What a load balancer or client may pass on: ids such as UUIDs, hex digests and
# trace ids, bounded so that one header cannot flood the log. Anything else is
# replaced, never echoed.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=@/-]{0,127}")
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id")
# A message or traceback longer than this keeps its head and tail: a request can make a
# message quote its input or a traceback run thousands of frames deep, and no request
# may write more than a few KB to the log.
MAX_FIELD_CHARS = 2000

request_log = logging.getLogger("service.request")
current_request_id: contextvars.ContextVar = contextvars.ContextVar("request_id", default=None)


def request_id_from(value: str | None) -> str:
    """The client's id when it is safe to echo and log; a fresh one otherwise."""
    if value is not None and SAFE_REQUEST_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


class RequestLog:
    """Give every request an id, echo it, and log and count it when the response is ready."""

    def process_request(self, req, resp):
        req.context.request_id = request_id_from(req.get_header(REQUEST_ID_HEADER))
        req.context.started = time.perf_counter()
        req.context.log_token = current_request_id.set(req.context.request_id)
        resp.set_header(REQUEST_ID_HEADER, req.context.request_id)

    def process_response(self, req, resp, resource, req_succeeded):
        elapsed = time.perf_counter() - req.context.started
        metrics.observe_request(req.method, req.uri_template, resp.status_code, elapsed)
        elapsed_ms = elapsed * 1000
        request_log.info(
            "%s %s %s",
            req.method,
            req.uri_template or "(no route)",
            resp.status_code,
            extra={
                "method": req.method,
                "path": req.uri_template,
                "status": resp.status_code,
                "duration_ms": round(elapsed_ms, 2),
                "request_id": req.context.request_id,
            },
        )
        current_request_id.reset(req.context.log_token)


def skip_unlogged_record_fields() -> None:
    """Stop `logging` gathering what JsonFormatter never writes: the caller's file and line
    (a walk up the stack per record) and thread (the Logging HOWTO's "Optimization").

    The process id stays: gunicorn's own log lines in the same process (`%(process)d`)
    need it, and a record that cannot be formatted becomes a traceback, not a line.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False


class JsonFormatter(logging.Formatter):
    """One JSON object per record, carrying the id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": bounded(record.getMessage()),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if "request_id" not in entry and current_request_id.get() is not None:
            entry["request_id"] = current_request_id.get()
        if record.exc_info:
            entry["exception"] = bounded(self.formatException(record.exc_info))
        try:
            return orjson.dumps(entry).decode()
        except orjson.JSONEncodeError:  # a lone surrogate (from a client's JSON): escape it
            return json.dumps(entry, ensure_ascii=False).encode("utf-8", "backslashreplace").decode()


def timestamp(created: float) -> str:
    """A record's time as RFC 3339 UTC to the millisecond, e.g. "2026-11-27T17:07:58.123+00:00"."""
    fraction, whole = math.modf(created)  # rounded to the microsecond as datetime does
    carry, micro = divmod(round(fraction * 1_000_000), 1_000_000)
    return f"{_second(int(whole) + carry)}.{micro // 1000:03d}+00:00"


@functools.lru_cache(maxsize=2)
def _second(whole: int) -> str:
    """The date and time of a whole second: the lines of one second share it."""
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def bounded(text: str) -> str:
    """`text`, or its head and tail when it is longer than MAX_FIELD_CHARS."""
    if len(text) <= MAX_FIELD_CHARS:
        return text
    half = MAX_FIELD_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters left out ...]\n{text[-half:]}"


def configure_logging(environ=None, stream=None) -> None:
    """Send every log record to stdout as one JSON line, at LOG_LEVEL (default info)."""
    environ = os.environ if environ is None else environ
    skip_unlogged_record_fields()
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    level = choice(environ, "LOG_LEVEL", LOG_LEVELS, "info").upper()
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # peewee logs every statement with its parameters at debug: password hashes, emails and
    # client addresses. No level of this service's log carries them.
    logging.getLogger("peewee").setLevel(max(logging.getLogger().level, logging.INFO))
