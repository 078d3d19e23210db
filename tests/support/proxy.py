"""A TCP proxy between the service and PostgreSQL that a test can cut, silence and restore."""

import socket
import threading

UP, DOWN, SILENT = "up", "down", "silent"


class TcpProxy:
    """Forward 127.0.0.1:<port> to the database; `cut` makes it unreachable, `silence` makes it hang.

    down: the port refuses connections and every open one is closed, as when the
    database host is stopped. silent: connections are accepted and never answered,
    as when the host or the network hangs. The database itself is never touched.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = UP
        self.port = 0
        self._lock = threading.Lock()
        self._open: set = set()
        self._listener = None
        self._cut_after: bytes | None = None
        self._listen()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Refuse new connections and close every open one."""
        with self._lock:
            self.mode = DOWN
            self._stop_listening()
            self._close_open()

    def silence(self) -> None:
        """Accept connections but never answer; close the open ones."""
        with self._lock:
            self.mode = SILENT
            self._close_open()
            if self._listener is None:
                self._listen()

    def cut_after(self, marker: bytes, then: int = 0) -> None:
        """Forward the next message to the database that contains `marker` and the `then`
        messages after it, then cut before any answer comes back: the database does what it
        was asked, the service never hears so. (A prepared COMMIT no longer names itself on
        the wire: mark the statement before it and forward one more.)"""
        with self._lock:
            self._cut_after, self._then = marker, then

    def restore(self) -> None:
        """Forward again, on the same port."""
        with self._lock:
            self.mode = UP
            self._close_open()  # connections accepted while silent never reached the database
            if self._listener is None:
                self._listen()

    def close(self) -> None:
        with self._lock:
            self.mode = DOWN
            self._stop_listening()
            self._close_open()

    def _listen(self) -> None:
        listener = socket.create_server(
            ("127.0.0.1", self.port)
        )  # SO_REUSEADDR: the port comes back
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        if self._listener is not None:
            _close(self._listener)  # shutdown first: it wakes the thread blocked in accept()
            self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed
                return
            with self._lock:
                self._open.add(client)
                mode = self.mode
            if mode == UP:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=3)
        except OSError:
            self._drop(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if client not in self._open:  # cut meanwhile
                upstream.close()
                return
            self._open.add(upstream)
        for source, sink, outbound in ((client, upstream, True), (upstream, client, False)):
            threading.Thread(target=self._pump, args=(source, sink, outbound), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool = False) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
                if outbound and self._cut_after is not None and self._seen(chunk):
                    with self._lock:
                        self.mode = DOWN
                        self._close_open()
                    return
        except OSError:
            pass
        self._drop(source, sink)

    def _seen(self, chunk: bytes) -> bool:
        """Whether `chunk` is the last message to forward before the cut."""
        with self._lock:
            if self._cut_after and self._cut_after in chunk:
                self._cut_after = b""  # seen: count down the messages after it
            elif self._cut_after != b"":
                return False
            elif self._then:
                self._then -= 1
            if self._then:
                return False
            self._cut_after = None
            return True

    def _drop(self, *sockets) -> None:
        with self._lock:
            for sock in sockets:
                self._open.discard(sock)
                _close(sock)

    def _close_open(self) -> None:
        for sock in self._open:
            _close(sock)
        self._open.clear()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
