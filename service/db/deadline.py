"""No call to PostgreSQL waits past a bound, whatever holds it: the client side of the timeouts.

PostgreSQL bounds what it runs (statement_timeout, lock_timeout) and TCP keepalives drop
a peer that vanished, but a pooler that is alive and cannot reach the server holds a
query as long as it is told to (PgBouncer's query_wait_timeout: 120 s by default), past
gunicorn's worker timeout, and the client would get an empty reply. A watchdog thread in
each process shuts down the socket of a connection whose call has waited past the bound:
the driver fails the call as a lost connection, the request answers 503, and the next
request opens a connection afresh.
"""

import contextlib
import logging
import os
import socket
import threading
import time

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25


class Deadline:
    """The one call a process has in flight, and the thread that cuts it at its deadline."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()  # the call cannot end (and its socket close) while it is cut
        self._call: tuple[float, int] | None = None
        self._watching_pid: int | None = None

    @contextlib.contextmanager
    def waiting(self, connection):
        """Bound the call made inside on `connection` (psycopg or psycopg2)."""
        try:
            fileno = connection.fileno()
        except Exception:  # a connection already lost: the call fails at once, with the loss
            yield
            return
        if self._watching_pid != os.getpid():  # a new process: a worker forked from the master
            self._watch()
        with self._lock:
            self._call = (time.monotonic() + self.seconds, fileno)
        try:
            yield
        finally:
            with self._lock:
                self._call = None

    def _watch(self) -> None:
        """Start this process's watchdog; the parent's thread did not survive the fork, and
        its lock may have been held at the moment of it."""
        self._lock, self._call = threading.Lock(), None
        self._watching_pid = os.getpid()
        threading.Thread(target=self._run, name="database-deadline", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            with self._lock:
                call = self._call
                if call is None or time.monotonic() < call[0]:
                    continue
                self._call = None
                _shut_down(call[1])
            log.warning("a database call waited more than %g s and was cut: the database or a "
                        "pooler in front of it holds queries without answering", self.seconds)


def _shut_down(fileno: int) -> None:
    """Wake the call blocked on `fileno` with an end of stream; the driver still closes it."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fileno)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)
