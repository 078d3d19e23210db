"""A request body that ends before its Content-Length, or whose chunked coding is broken, over
real gunicorn: refused 400 with the envelope, whole, and nothing it held is done."""

import json

import pytest

from tests.support.raw_http import exchange

pytestmark = pytest.mark.server

FORM = "application/x-www-form-urlencoded"


def send(server, head: str, body: bytes, *, stop_sending: bool = False) -> tuple[int, dict, bytes]:
    """Send a request's head and body bytes; its answer's status, headers (lower-case) and body."""
    data = f"{head}Host: x\r\nConnection: close\r\n\r\n".encode() + body
    return exchange(server, data, stop_sending=stop_sending)


def post_form(server, path: str, form: bytes, declared: int) -> tuple[int, dict, bytes]:
    head = f"POST {path} HTTP/1.1\r\nContent-Type: {FORM}\r\nContent-Length: {declared}\r\n"
    return send(server, head, form, stop_sending=True)


def test_a_body_cut_short_is_refused_whole_and_registers_nobody(server):
    """A form's prefix is a form too: one ending before its Content-Length must change nothing."""
    whole = b"email=cut.short%40example.com&password=correct+horse+battery+staple"
    prefix = whole[: -len(b"+staple")]
    status, _, body = post_form(server, "/api/v1/auth/register", prefix, len(whole))
    assert status == 400 and "body" in json.loads(body)["errors"], body
    status, _, body = post_form(server, "/api/v1/auth/login", prefix, len(prefix))
    assert status == 401, body  # nobody registered, under either password


@pytest.mark.parametrize("chunks", [b"zz\r\n{}\r\n0\r\n\r\n", b"-1\r\n{}\r\n0\r\n\r\n",
                                    b"2\r\n{}XX0\r\n\r\n"], ids=["not hex", "negative", "no CRLF"])
def test_a_broken_chunked_body_answers_400_with_the_envelope(server, chunks):
    head = ("POST /api/v1/auth/login HTTP/1.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n")
    status, headers, body = send(server, head, chunks)
    assert status == 400, body
    assert json.loads(body)["status"] == "fail" and "x-request-id" in headers
