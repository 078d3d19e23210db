"""Raw bytes to a server and its answer read to the close, for what an HTTP client will not send."""

import socket


def exchange(server, data: bytes, *, stop_sending: bool = False) -> tuple[int, dict, bytes]:
    """Write `data` to `server` (half-closing after it, if asked); the answer's status, headers
    (lower-case names) and body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(data)
        if stop_sending:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (field.partition(":") for field in fields)}
    return int(status_line.split()[1]), headers, body
