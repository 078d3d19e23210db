"""One keyed request sent many times at once, each copy on its own connection, and its answers."""

import socket

from service.idempotency import keys
from tests.support.widgets import WIDGETS


def raw_request(port: int, headers: dict, body: bytes) -> bytes:
    head = [f"POST {WIDGETS} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
            "Content-Type: application/json", f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def sent_at_once(requests_by_port: list) -> list:
    """Write every (port, request) on its own connection before reading any answer; the answers
    as (status, headers, body)."""
    connections = []
    for port, request in requests_by_port:
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        connection.sendall(request)
        connections.append(connection)
    return [read_answer(connection) for connection in connections]


def read_answer(connection: socket.socket) -> tuple:
    with connection, connection.makefile("rb") as answer:
        status = int(answer.readline().split()[1])
        headers = {}
        while (line := answer.readline().decode("latin-1").strip()):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, answer.read()


def assert_one_answer_or_in_progress(answers: list) -> None:
    """Every answer is the one 201, byte for byte, or a 409 saying the first is in progress."""
    created = [a for a in answers if a[0] == 201]
    in_progress = [a for a in answers if a[0] == 409]
    assert len(created) + len(in_progress) == len(answers), [a[0] for a in answers]
    assert created, "no request was answered 201"
    first = created[0]
    for _, headers, body in created:
        assert body == first[2]
        assert (headers["location"], headers["etag"]) == (first[1]["location"], first[1]["etag"])
    assert sum("idempotent-replayed" not in headers for _, headers, _ in created) == 1
    for _, headers, body in in_progress:
        assert headers["retry-after"] == str(keys.RETRY_AFTER_SECONDS)
        assert keys.IN_FLIGHT.encode() in body
