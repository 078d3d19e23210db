"""A gunicorn worker's last act at shutdown: answer the connections the kernel has already accepted.

On TERM the master closes its listening sockets and tells the workers to
finish; but the workers hold the same sockets, so the kernel goes on completing
handshakes into the accept queue until the last worker exits, and every
connection still queued then is reset: a request sent and never answered. So a
worker leaving at shutdown first makes the sockets drop new handshakes (a
socket filter: the client's connect is then refused once the socket is gone),
then serves what is queued, then exits. A reload (HUP) or a recycled worker
changes nothing: the master still listens and the other workers serve the queue.
Linux only (the socket filter, /proc); elsewhere a worker leaves as before.
"""

import ctypes
import errno
import os
import socket
import struct

SO_ATTACH_FILTER = getattr(socket, "SO_ATTACH_FILTER", 26)
DROP_EVERY_PACKET = struct.pack("HBBI", 0x06, 0, 0, 0)  # classic BPF: BPF_RET | BPF_K, keep 0 bytes


def finish_accepted(worker) -> None:
    """In a sync worker that is leaving because the master shuts down: refuse new connections,
    then serve the queued ones. Anywhere else (the master, a reload), nothing."""
    from gunicorn.workers.sync import SyncWorker

    if os.getpid() != worker.pid or not isinstance(worker, SyncWorker) or not worker.sockets:
        return
    if _master_listens(worker):
        return
    for listener in worker.sockets:
        _refuse_new_connections(listener)
    for listener in worker.sockets:
        _serve_queued(worker, listener)


def _master_listens(worker) -> bool:
    """Whether the master still holds a listening socket of this worker (True where /proc can't tell)."""
    try:
        mine = {os.fstat(listener.fileno()).st_ino for listener in worker.sockets}
        fds = f"/proc/{worker.ppid}/fd"
        held = set()
        for fd in os.listdir(fds):
            try:
                held.add(os.stat(f"{fds}/{fd}").st_ino)
            except OSError:  # closed meanwhile
                continue
    except OSError:
        return True
    return bool(mine & held)


def _refuse_new_connections(listener) -> None:
    """Attach a filter that drops every packet, handshakes included, to the shared socket."""
    program = ctypes.create_string_buffer(DROP_EVERY_PACKET)
    fprog = struct.pack("HL", 1, ctypes.addressof(program))
    try:
        listener.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    except OSError:
        pass  # not Linux, or not a socket the filter applies to: leave as gunicorn does


def _serve_queued(worker, listener) -> None:
    """Accept and answer every connection waiting in the queue, one by one, until it is empty."""
    listener.setblocking(False)
    while True:
        try:
            worker.accept(listener)
        except OSError as failed:
            if failed.errno == errno.ECONNABORTED:
                continue
            return
