"""The mailer: delivers the outbox until told to stop (`widget-api mailer`), or once (`--once`).

Delivery is at least once: a mail is recorded as sent after the server took it,
so a mailer killed in between sends it again, with the same Message-ID.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime

import peewee

from service.db.models import OutboxMail, db
from service.mail import outbox
from service.mail.transport import PermanentFailure, TemporaryFailure, Unreachable

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 60  # a claimed mail waits this long before another mailer may take it
POLL_SECONDS = 1.0


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)


def build(mail: OutboxMail, sender: str) -> EmailMessage:
    """The mail as sent: every header fixed by its row, so a resend is the same message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    # plain 7-bit text when it can be, so that keys and links read as written in any output
    message.set_content(mail.body, cte="7bit" if mail.body.isascii() else "quoted-printable")
    return message


class Mailer:
    """Claims due mails and hands them to a transport, one batch per connection."""

    def __init__(self, transport, sender: str, lease_seconds: int = LEASE_SECONDS, batch: int = BATCH):
        self.transport = transport
        self.sender = sender
        self.lease_seconds = lease_seconds
        self.batch = batch

    def deliver_due(self) -> Tally:
        """Deliver every mail due now; those that fail for now wait for a later pass."""
        tally = Tally()
        while True:
            mails = outbox.claim(self.batch, self.lease_seconds)
            if not mails:
                return tally
            self._deliver(mails, tally)

    def _deliver(self, mails: list, tally: Tally) -> None:
        waiting = list(mails)
        try:
            with self.transport.connection() as send:
                while waiting:
                    self._send_one(send, waiting[0], tally)
                    waiting.pop(0)
        except Unreachable as down:
            log.warning("mail server unreachable (%s): %d mail(s) wait", down, len(waiting))
            for mail in waiting:
                self._retry(mail, str(down), tally)

    def _send_one(self, send, mail: OutboxMail, tally: Tally) -> None:
        try:
            send(build(mail, self.sender))
        except TemporaryFailure as later:
            self._retry(mail, str(later), tally)
            return
        except PermanentFailure as never:
            log.warning("mail %s refused for good: %s", mail.message_id, never)
            outbox.mark_failed(mail, str(never))
            tally.failed += 1
            return
        outbox.mark_sent(mail)
        tally.sent += 1

    def _retry(self, mail: OutboxMail, error: str, tally: Tally) -> None:
        if outbox.retry_later(mail, error):
            tally.retried += 1
        else:
            tally.failed += 1

    def run(self, stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Deliver until `stop` is set (SIGTERM), looking for due mail every `poll_seconds`."""
        while not stop.is_set():
            try:
                tally = self.deliver_due()
            except peewee.DatabaseError as down:  # the database comes back; the mail waits for it
                log.warning("mailer cannot reach the database: %s", down)
                db.close()
                stop.wait(poll_seconds)
                continue
            if tally.sent or tally.failed:
                log.info("mail: %d sent, %d to retry, %d failed", tally.sent, tally.retried, tally.failed)
            stop.wait(poll_seconds)
