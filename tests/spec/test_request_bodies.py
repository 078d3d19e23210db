"""Bodies however they arrive: absent, empty, or chunked with no Content-Length."""

import io

import pytest

from service.db.models import User
from tests.support.inprocess import PASSWORD, admin_token, assert_envelope, bearer

REGISTER = "/api/v1/auth/register"
WIDGETS = "/api/v1/widgets"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# What each operation with a body requires, as the spec's schemas say.
REQUIRED = [
    ("POST", REGISTER, {"email", "password"}),
    ("POST", "/api/v1/auth/login", {"email", "password"}),
    ("POST", WIDGETS, {"name", "info_url", "deadline"}),
    ("PUT", f"{WIDGETS}/w", {"info_url", "deadline"}),
]


@pytest.mark.parametrize(
    "method, path, required", REQUIRED, ids=[f"{m} {p}" for m, p, _ in REQUIRED]
)
@pytest.mark.parametrize(
    "content_type, body",
    [(JSON, b""), (FORM, b""), (None, b""), (JSON, b"{}")],
    ids=["json-absent", "form-empty", "no-content-type", "json-empty-object"],
)
def test_an_empty_body_answers_400_naming_every_required_field(
    client, method, path, required, content_type, body
):
    headers = bearer(admin_token(client)) | ({"Content-Type": content_type} if content_type else {})
    response = client.simulate_request(method, path, body=body, headers=headers)
    assert_envelope(response, 400, "Input payload validation failed")
    assert response.json["errors"] == {name: f"{name} is required" for name in required}


def test_an_empty_body_in_an_unsupported_content_type_is_still_415(client):
    response = client.simulate_post(REGISTER, body=b"", headers={"Content-Type": "text/plain"})
    assert_envelope(response, 415)


def chunked(client, body: bytes, content_type: str = JSON):
    """POST `body` as a server that decoded a chunked request hands it on: no Content-Length,
    the input stream ended at the body's end (PEP 3333 `wsgi.input_terminated`)."""
    return client.simulate_post(
        REGISTER,
        headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"},
        extras={
            "CONTENT_LENGTH": "",
            "wsgi.input": OneByteAtATime(body),
            "wsgi.input_terminated": True,
        },
    )


class OneByteAtATime(io.RawIOBase):
    """An input stream that returns less than asked, as a socket may."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.data.read(1 if size != 0 else 0)


def test_a_chunked_json_body_is_read_and_registers(client):
    response = chunked(client, f'{{"email": "a@example.com", "password": "{PASSWORD}"}}'.encode())
    assert response.status_code == 201, response.text
    assert User.get().email == "a@example.com"


def test_a_chunked_form_body_is_read_and_registers(client):
    response = chunked(client, b"email=a%40example.com&password=correct+horse+battery", FORM)
    assert response.status_code == 201, response.text


def test_a_chunked_body_is_validated_like_any_other(client):
    response = chunked(client, b'{"email": "first last", "password": "short"}')
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"email", "password"}


def test_a_chunked_body_past_the_limit_is_413(client):
    response = chunked(client, b'{"email": "a@example.com", "password": "' + b"x" * 70_000 + b'"}')
    assert_envelope(response, 413)
    assert User.select().count() == 0


def test_a_chunked_body_a_server_leaves_unterminated_answers_400_naming_the_body(client):
    response = client.simulate_post(
        REGISTER,
        body=b'{"email": "a@example.com"}',
        headers={"Content-Type": JSON, "Transfer-Encoding": "chunked"},
        extras={"CONTENT_LENGTH": ""},
    )
    assert_envelope(response, 400, "Input payload validation failed")
    assert set(response.json["errors"]) == {"body"}
