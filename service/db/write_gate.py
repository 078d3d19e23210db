"""A fair, bounded gate in front of SQLite's one write lock.

SQLite's busy handler polls: a writer that finds the database locked sleeps
1, 2, 5, 10 ... 100 ms between tries, so a writer that commits and begins again
at once (a client refreshing in a loop, a second gunicorn worker under load)
takes the lock back before the sleeper looks, and can hold it off until
busy_timeout. A write transaction (BEGIN IMMEDIATE or EXCLUSIVE) therefore first
takes an exclusive `flock` on a file beside the database (`<db>-writer.lock`):
the kernel wakes a blocked waiter the moment the holder lets go, across threads
(each connection has its own open file) and processes alike.

The wait is bounded: an uncontended gate is taken without blocking; a contended
one is waited for by a helper thread blocked in `flock`, for at most the
timeout, after which the writer fails as SQLite would ("database is locked").
A helper that gets the lock after its writer gave up lets go of it at once.
"""

import fcntl
import logging
import os
import threading
import time

import peewee

log = logging.getLogger(__name__)

OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
LOCKED = "database is locked (waited {:.1f} s for the write gate)"


class WriteGate:
    """One connection's handle on the gate; `acquire` before BEGIN, `release` after it ends."""

    def __init__(self, path: str, timeout: float):
        self.path = path
        self.timeout = timeout
        self._own = os.open(path, OPEN_FLAGS, 0o666)  # OSError when it cannot be made
        self._held: int | None = None  # the descriptor holding the lock, while held

    @property
    def held(self) -> bool:
        return self._held is not None

    def acquire(self) -> float:
        """Take the gate; return the seconds left of the bound (the full timeout when free)."""
        if self._held is not None:
            return self.timeout
        try:
            fcntl.flock(self._own, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            started = time.monotonic()
            self._held = _wait(self.path, self.timeout)
            return max(self.timeout - (time.monotonic() - started), 0.0)
        self._held = self._own
        return self.timeout

    def release(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        fcntl.flock(held, fcntl.LOCK_UN)
        if held != self._own:
            os.close(held)

    def close(self) -> None:
        self.release()
        os.close(self._own)

    def __del__(self):  # a connection dropped without closing (a forked worker's inherited one)
        if getattr(self, "_own", None) is not None:
            try:
                os.close(self._own)
            except OSError:
                pass
            self._own = None


def _wait(path: str, timeout: float) -> int:
    """Block for the gate on a descriptor of its own, at most `timeout` s; return that descriptor.

    A fresh descriptor per wait: a late acquisition by an abandoned helper then
    only ever holds (and lets go of) its own, never the one a later write holds.
    """
    fd = os.open(path, OPEN_FLAGS, 0o666)
    handoff = threading.Lock()
    done = threading.Event()
    outcome = {"abandoned": False, "failed": None}

    def block():
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as failed:
            outcome["failed"] = failed
        with handoff:
            if outcome["abandoned"]:
                os.close(fd)  # the only descriptor of this open file: the lock goes with it
                return
            done.set()

    threading.Thread(target=block, name="sqlite-write-gate", daemon=True).start()
    done.wait(timeout)
    with handoff:
        if not done.is_set():
            outcome["abandoned"] = True
            raise peewee.OperationalError(LOCKED.format(timeout))
    if outcome["failed"] is not None:
        os.close(fd)
        raise peewee.OperationalError(f"write gate {path}: {outcome['failed']}")
    return fd


def gate_path(database: str) -> str | None:
    """Where the gate of the SQLite database `database` lives; None for one with no file."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + "-writer.lock"


def open_gate(path: str | None, timeout: float) -> WriteGate | None:
    """The gate at `path`, or None (no gate: SQLite's busy handler alone) when it cannot be made.

    A directory the service cannot write to cannot hold SQLite's own -wal and -shm
    files either, and SQLite then says so; writing proceeds exactly as without a gate.
    """
    if path is None:
        return None
    try:
        return WriteGate(path, timeout)
    except OSError as failed:
        log.warning("no SQLite write gate (%s): writers fall back to SQLite's busy wait", failed)
        return None
