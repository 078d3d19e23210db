"""The Idempotency-Key header, for every operation whose spec declares it, with no code of its own.

Each such operation's handler is wrapped: a request without the header runs as
before; with it, a retry of a request that was answered gets that answer again
(`Idempotent-Replayed: true`) and nothing is done twice. What is stored is the
first complete answer the handler gave, refusals included, but never one that
asks to be tried again later (a 429 or a 5xx): such a retry runs anew, so it
is not refused again after the wait it was told to keep.
"""

import functools

from service.auth.addresses import client_address
from service.errors import ApiError, render
from service.idempotency import keys

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def declares_key(op) -> bool:
    """Whether the operation's spec declares the Idempotency-Key header parameter."""
    return any(
        param.get("in") == "header" and param.get("name", "").lower() == HEADER.lower()
        for param in op.parameters
    )


class Idempotency:
    """Wraps the handlers of the operations that declare the header (see `wrap`)."""

    def __init__(self, expire_seconds: int, trusted_proxies: tuple):
        self.expire_seconds = expire_seconds
        self.trusted_proxies = trusted_proxies

    def wrap(self, op, handler):
        """`handler` itself, or, for an operation that declares the header, the handler keyed."""
        if not declares_key(op):
            return handler

        @functools.wraps(handler)
        def keyed(req, resp):
            value = req.context.inputs.headers.get(HEADER)
            if value is None:
                return handler(req, resp)
            return self._answer(handler, req, resp, self._keyed(req, value))

        return keyed

    def _answer(self, handler, req, resp, keyed: keys.Keyed) -> None:
        row = keys.stored(keyed)  # a retry of an answered request needs no lock
        if row is None:
            with keys.claimed(keyed) as row:
                if row is None:
                    answer = _run(handler, req, resp)
                    if keeps(answer.status):
                        keys.keep(keyed, answer, self.expire_seconds)
                    return
        _replay(resp, keys.replay(row, keyed))

    def _keyed(self, req, value: str) -> keys.Keyed:
        """The key, scoped to the caller: the user when a token authenticated, else the address."""
        user = getattr(req.context, "user", None)
        if user is not None:
            scope = f"user:{user.public_id}"
        else:
            forwarded = req.get_header("X-Forwarded-For")
            scope = f"address:{client_address(req.remote_addr, forwarded, self.trusted_proxies)}"
        target = f"{req.path}?{req.query_string}" if req.query_string else req.path
        body = req.context.inputs.body
        return keys.Keyed(scope, keys.key_of(value), keys.fingerprint(req.method, target, body))


def keeps(status: int) -> bool:
    """Whether an answer is final: not a 429 or a 5xx, which ask for a later retry."""
    return status < 500 and status != 429


def _run(handler, req, resp) -> keys.Answer:
    """Run the handler; a refusal it raises is undone and rendered, to be stored like any answer."""
    try:
        with keys.undone_on_error():
            handler(req, resp)
    except ApiError as refused:
        if refused.status >= 500:
            raise
        render(resp, refused)
    body = resp.render_body() or b""
    return keys.Answer(
        resp.status_code, resp.get_header("Location"), resp.get_header("ETag"),
        resp.content_type if body else None, body.decode(),
    )


def _replay(resp, answer: keys.Answer) -> None:
    """Send the stored answer again, byte for byte, saying it is a replay."""
    resp.status = answer.status
    for name, value in (("Location", answer.location), ("ETag", answer.etag)):
        if value is not None:
            resp.set_header(name, value)
    if answer.body:
        resp.content_type = answer.content_type
        resp.text = answer.body
    resp.set_header(REPLAYED, "true")
