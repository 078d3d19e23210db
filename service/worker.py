"""gunicorn's sync worker, answering the requests gunicorn refuses itself with the error envelope.

gunicorn refuses a request it cannot parse (a bad request line, an over-long one, too many
or too large headers, an unknown transfer coding) before the app sees it, with an HTML page.
This worker answers the same status with `{"status": "fail", "message": ...}`, an
`X-Request-ID` and the headers every answer of the service carries. The messages are fixed:
they never quote what the client sent. A request that has not arrived whole RECEIVE_SECONDS
after its connection is refused too (408), instead of holding the worker until gunicorn's
worker timeout kills it.

gunicorn's master imports this module to find the worker class: it imports nothing of the
service that opens files or state in the process (metrics, logging), only gunicorn.
"""

import json
import secrets
import time
from datetime import datetime
from ssl import SSLError

from gunicorn import util
from gunicorn.http import errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.sync import SyncWorker

# How long a client may take to send its whole request (line, headers and body), counted from
# its connection: a sync worker serves one request at a time, and a client that stops half-way
# would otherwise hold it until gunicorn's worker timeout kills it. A buffering proxy in front
# (docs/deploy.md) sends a request at once.
RECEIVE_SECONDS = 5


class ClientTooSlow(Exception):
    """The request had not arrived RECEIVE_SECONDS after the connection."""


TOO_SLOW = f"no whole request {RECEIVE_SECONDS} s after the connection"


# Exception classes in gunicorn's order of tests (workers/base.py handle_error), each with the
# status and reason gunicorn answers and the message the client gets instead of its page.
REFUSALS = (
    ((errors.InvalidResponseHeader, errors.InvalidResponseHeaderName), None),
    (ClientTooSlow, (408, "Request Timeout", "The request did not arrive in time")),
    (errors.InvalidRequestLine, (400, "Bad Request", "Malformed request line")),
    (errors.InvalidRequestMethod, (400, "Bad Request", "Malformed request method")),
    (errors.InvalidHTTPVersion, (400, "Bad Request", "Unsupported HTTP version")),
    (errors.UnsupportedTransferCoding,
     (501, "Not Implemented", "Transfer coding not implemented: only chunked is")),
    (errors.ConfigurationProblem, (500, "Internal Server Error", "Internal Server Error")),
    (errors.ObsoleteFolding, (400, "Bad Request", "Malformed header: obsolete line folding")),
    ((errors.InvalidHeaderName, errors.InvalidHeader), (400, "Bad Request", "Malformed header")),
    (errors.LimitRequestLine, (414, "URI Too Long", "Request line too long")),
    (errors.ExpectationFailed, (417, "Expectation Failed", "Expectation not supported")),
    (errors.LimitRequestHeaders,
     (431, "Request Header Fields Too Large", "Request header fields too large or too many")),
    (errors.InvalidProxyLine, (400, "Bad Request", "Malformed proxy line")),
    (errors.ForbiddenProxyRequest, (403, "Forbidden", "Forbidden")),
    (errors.InvalidSchemeHeaders, (400, "Bad Request", "Contradictory scheme headers")),
    ((errors.InvalidChunkSize, errors.ChunkMissingTerminator, errors.InvalidChunkExtension),
     (400, "Bad Request", "Malformed chunked body")),
    (errors.InvalidH2CPreface, (400, "Bad Request", "Malformed HTTP/2 preface")),
    (SSLError, (403, "Forbidden", "Forbidden")),
)
INTERNAL = (500, "Internal Server Error", "Internal Server Error")


def refusal(exc: BaseException) -> tuple | None:
    """(status, reason, message) for a request gunicorn refuses; None for a server error."""
    for kinds, answer in REFUSALS:
        if isinstance(exc, kinds):
            return answer
    return None


def envelope_answer(status: int, reason: str, body: bytes, request_id: str, head: bool) -> bytes:
    """The whole HTTP answer: the envelope and the headers every answer of the service carries."""
    head_lines = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Request-ID: {request_id}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
    )
    return head_lines.encode("latin-1") + (b"" if head else body)


class EnvelopeWorker(SyncWorker):
    """A sync worker (one request at a time per process) whose own refusals are the envelope,
    and which waits at most RECEIVE_SECONDS for a request to arrive."""

    def handle(self, listener, client, addr):
        if not self.cfg.is_ssl:  # TLS is a proxy's to end: gunicorn wraps a socket of its own
            client = Deadlined(client, time.monotonic() + RECEIVE_SECONDS)
        super().handle(listener, client, addr)

    def handle_error(self, req, client, addr, exc):
        """gunicorn's handle_error, its log lines and statuses kept, writing the envelope."""
        started = datetime.now()
        addr = addr or ("", -1)  # a unix socket
        request_id = secrets.token_hex(16)
        answer = refusal(exc)
        if answer is not None:
            if not req and isinstance(exc, (errors.InvalidHeaderName, errors.InvalidHeader)):
                req = getattr(exc, "req", None)  # for the access log
            self.log.warning("Invalid request from ip=%s: %s (request id %s)", addr[0], exc, request_id)
        else:
            answer = INTERNAL
            if hasattr(req, "uri") and hasattr(req, "method"):
                self.log.exception("Error handling request %s %s", req.method, req.uri)
            elif hasattr(req, "uri"):
                self.log.exception("Error handling request %s", req.uri)
            else:
                self.log.exception("Error handling request (no URI read)")
        status, reason, message = answer
        body = json.dumps({"status": "fail", "message": message}).encode()
        data = envelope_answer(status, reason, body, request_id,
                               head=getattr(req, "method", None) == "HEAD")
        if req is not None:
            self.access(req, client, addr, f"{status} {reason}", len(body), started)
        try:
            util.write_nonblock(client, data)
        except OSError:  # the client is gone
            self.log.debug("Failed to send error message.")

    def access(self, req, client, addr, status: str, length: int, started: datetime) -> None:
        """The access-log line gunicorn writes for a refused request it read far enough."""
        environ = default_environ(req, client, self.cfg)
        environ["REMOTE_ADDR"] = addr[0]
        environ["REMOTE_PORT"] = str(addr[1])
        resp = Response(req, client, self.cfg)
        resp.status = status
        resp.response_length = length
        self.log.access(resp, req, environ, datetime.now() - started)


class Deadlined:
    """A client socket whose reads end at a deadline: past it, ClientTooSlow, which gunicorn
    hands to handle_error (a socket's own timeout would be logged as a socket error, with a
    traceback), and which the app's body reader refuses as an incomplete body. Everything
    else is the socket's."""

    def __init__(self, sock, deadline: float):
        self._sock, self._deadline = sock, deadline

    def recv(self, size: int, *flags) -> bytes:
        if self._deadline is None:
            return self._sock.recv(size, *flags)
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ClientTooSlow(TOO_SLOW)
        timeout = self._sock.gettimeout()
        self._sock.settimeout(left)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            raise ClientTooSlow(TOO_SLOW) from None
        finally:
            self._sock.settimeout(timeout)

    def settimeout(self, timeout) -> None:
        """A caller with a timeout of its own (gunicorn's lingering close) reads on its terms."""
        self._deadline = None
        self._sock.settimeout(timeout)

    def __getattr__(self, name):
        return getattr(self._sock, name)
