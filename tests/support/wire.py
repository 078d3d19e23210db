"""A TCP relay in front of PostgreSQL that counts the round trips its clients make.

A client waits for the server once per simple-protocol query (`Q`) and once per
extended-protocol batch, which ends with `Sync` (`S`); counting those two message
types in what clients send counts round trips, whatever the driver, and whatever
BEGIN or COMMIT it sends on its own. No timing is involved.
"""

import socket
import struct
import threading
from urllib.parse import urlparse

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104
ROUND_TRIP_ENDS = {b"Q", b"S"}


class RoundTripCounter:
    """Relay 127.0.0.1:<port> to the database; `round_trips` counts the waits of every client."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.round_trips = 0
        self.statements: list = []  # the text of each simple query, for failure messages
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0
            self.statements = []

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=3)
            upstream.settimeout(None)
            threading.Thread(target=self._forward, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward every message whole, counting the typed ones that make the client wait."""
        try:
            started = False
            while True:
                if not started:  # untyped: an SSL or GSS request, then the startup message
                    header = _read(client, 8)
                    length, code = struct.unpack("!ii", header)
                    upstream.sendall(header + _read(client, length - 8))
                    started = code not in (SSL_REQUEST, GSS_REQUEST)
                    continue
                header = _read(client, 5)
                kind, length = header[:1], struct.unpack("!i", header[1:])[0]
                body = _read(client, length - 4)
                if kind in ROUND_TRIP_ENDS:
                    self._count(kind, body)
                upstream.sendall(header + body)
        except (OSError, EOFError):
            _close(client, upstream)

    def _count(self, kind: bytes, body: bytes) -> None:
        with self._lock:
            self.round_trips += 1
            if kind == b"Q":
                self.statements.append(body[:-1].decode(errors="replace"))


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    _close(source, sink)


def _close(*sockets) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def url_through(url: str, address: str) -> str:
    """`url` with its host and port replaced by `address` (`host:port`)."""
    parsed = urlparse(url)
    userinfo = parsed.netloc.rpartition("@")[0]
    return parsed._replace(netloc=f"{userinfo}@{address}" if userinfo else address).geturl()
