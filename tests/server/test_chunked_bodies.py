"""Chunked request bodies (no Content-Length) over a real gunicorn and a real HTTP client."""

import http.client
import json

import pytest

from service.spec.document import load_spec

pytestmark = pytest.mark.server

REGISTER = "/api/v1/auth/register"


def post_chunked(server, body: bytes, content_type: str = "application/json", piece: int = 7):
    """POST `body` chunked (Transfer-Encoding), `piece` bytes a chunk; return status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    pieces = (body[i : i + piece] for i in range(0, len(body), piece))
    connection.request(
        "POST", REGISTER, body=pieces, headers={"Content-Type": content_type}, encode_chunked=True
    )
    response = connection.getresponse()
    answer = response.status, json.loads(response.read())
    connection.close()
    return answer


def test_a_chunked_json_body_registers(server):
    status, body = post_chunked(
        server, b'{"email": "chunked@example.com", "password": "correct horse battery"}'
    )
    assert status == 201, body
    assert body["message"] == "successfully registered"


def test_a_chunked_form_body_registers(server):
    status, body = post_chunked(
        server,
        b"email=form%40example.com&password=correct+horse+battery",
        "application/x-www-form-urlencoded",
    )
    assert status == 201, body


def test_a_chunked_body_is_validated_like_any_other(server):
    status, body = post_chunked(
        server, b'{"email": "first last", "password": "correct horse battery"}'
    )
    assert status == 400
    assert body["errors"] == {"email": "first last is not a valid email"}


def test_a_chunked_body_past_the_limit_is_413(server):
    password = b"x" * 70_000
    status, body = post_chunked(
        server, b'{"email": "big@example.com", "password": "' + password + b'"}', piece=4096
    )
    assert status == 413
    assert body["status"] == "fail"


@pytest.mark.parametrize("coding", ["G)2i%", "x-custom, chunked"])
def test_a_transfer_coding_gunicorn_does_not_implement_gets_the_declared_501(server, coding):
    """RFC 9112 section 6.1: gunicorn refuses it before the app, and every operation declares so."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("PUT", "/api/v1/widgets/any")
    connection.putheader("Transfer-Encoding", coding)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    assert status == 501
    assert all("501" in op.responses for op in load_spec().operations)
