"""A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, keeping every message it accepts."""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from tests.support.gunicorn import free_port


class Collector:
    """aiosmtpd handler: keep each accepted message; refuse with `refuse_with` when set."""

    def __init__(self):
        self.messages = []
        self.refuse_with = None  # e.g. "451 try later" or "550 no such user"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start, stop and restart on the same port; `url` is the SMTP_URL that reaches it."""

    def __init__(self):
        self.port = free_port()
        self.collector = Collector()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list:
        with self.collector.lock:
            return list(self.collector.messages)

    def wait_for(self, count: int, seconds: float = 30) -> list:
        """The messages once at least `count` have arrived; fail after `seconds`."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} mails arrived in {seconds} s")
            time.sleep(0.05)
        return self.messages


def key_of(message) -> str:
    """The key a mail carries (its `key=` line)."""
    for line in message.get_content().splitlines():
        if line.strip().startswith("key="):
            return line.strip()[len("key="):]
    raise AssertionError(f"no key in the mail: {message.get_content()}")
