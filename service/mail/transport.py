"""Sending one built mail: over SMTP (SMTP_URL), or to an output stream (the embedded default).

Failures are sorted the way the outbox needs them: a refusal of one mail that
may pass later (SMTP 4xx), one that never will (5xx), and a server that cannot
be reached or talked to at all, which holds back the rest of the batch too.
"""

import logging
import smtplib
import ssl
import sys
from contextlib import contextmanager
from email.message import EmailMessage

from service.mail.smtp_url import SmtpTarget

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
SEPARATOR = "-" * 72


class TemporaryFailure(Exception):
    """This mail was refused for now (SMTP 4xx): try it again later."""


class PermanentFailure(Exception):
    """This mail was refused for good (SMTP 5xx)."""


class Unreachable(Exception):
    """The server cannot be reached or talked to: every mail waits."""


class SmtpTransport:
    """Deliver over one SMTP connection per batch, as SMTP_URL says."""

    def __init__(self, target: SmtpTarget, timeout: float = TIMEOUT_SECONDS):
        self.target = target
        self.timeout = timeout

    def __str__(self) -> str:
        return str(self.target)

    @contextmanager
    def connection(self):
        """An open, authenticated connection; Unreachable when there is none to have."""
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as failed:
            raise Unreachable(f"{self.target}: {failed}") from None
        try:
            yield lambda message: self._send(client, message)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        target, context = self.target, ssl.create_default_context()
        if target.scheme == "smtps":
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
        try:
            client.ehlo()
            if target.scheme == "smtp+starttls":
                client.starttls(context=context)  # SMTPNotSupportedError when not offered: never plain
                client.ehlo()
            if target.username is not None:
                client.login(target.username, target.password)
        except BaseException:
            client.close()
            raise
        return client

    @staticmethod
    def _send(client: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            client.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            code, reply = next(iter(refused.recipients.values()))
            raise _by_code(code, reply) from None
        except smtplib.SMTPServerDisconnected as lost:
            raise Unreachable(str(lost)) from None
        except smtplib.SMTPResponseException as refused:
            raise _by_code(refused.smtp_code, refused.smtp_error) from None
        except (OSError, smtplib.SMTPException) as lost:
            raise Unreachable(str(lost)) from None


def _by_code(code: int, reply) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return failure(f"{code} {text}")


class PrintTransport:
    """Write each mail, headers and text, to a stream: the embedded default outside production."""

    def __init__(self, stream=None):
        self.stream = stream

    def __str__(self) -> str:
        return "standard output"

    @contextmanager
    def connection(self):
        yield self._print

    def _print(self, message: EmailMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"{SEPARATOR}\n{message.as_string()}\n{SEPARATOR}\n")
        stream.flush()
