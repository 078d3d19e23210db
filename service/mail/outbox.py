"""The transactional outbox: a mail is a row written in the transaction of the change it tells of.

A rolled-back change leaves no row, so sends nothing; a committed change has its
row, which the mailer (service/mail/mailer.py) delivers at least once. The
`Message-ID` is fixed when the row is written, so a mail sent twice (a mailer
killed between sending and recording it) is recognisably the same mail.

Rows are claimed by moving `due_at` past a lease: several mailers, on several
hosts, each take different rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
has one writer at a time), and a mailer that dies leaves its rows to be claimed
again once the lease ends.
"""

import email.utils
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from service.clock import utcnow
from service.db.models import OutboxMail, db

PENDING, SENT, FAILED = "pending", "sent", "failed"
GIVE_UP_SECONDS = 24 * 3600  # a mail not delivered within a day is failed, not retried
MAX_BACKOFF_SECONDS = 900
ERROR_CHARS = 500


@dataclass(frozen=True)
class Mail:
    """What a mail says, before it has a recipient and a Message-ID."""

    subject: str
    body: str


class Outbox:
    """Write mails into the caller's transaction, from one sender."""

    def __init__(self, sender: str):
        self.sender = sender
        self.domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    def message_id(self) -> str:
        return f"<{uuid.uuid4().hex}@{self.domain}>"

    def fields(self, mail: Mail, now: datetime) -> dict:
        return {
            "message_id": self.message_id(), "subject": mail.subject, "body": mail.body,
            "created_at": now, "due_at": now, "attempts": 0, "state": PENDING,
        }

    def queue(self, recipient: str, mail: Mail) -> None:
        """Queue `mail` to `recipient` in the transaction the caller holds."""
        self.queuing(recipient, mail).execute()

    def queuing(self, recipient: str, mail: Mail):
        """The statement of queue(), unrun, for a caller that sends it with others."""
        return OutboxMail.insert(recipient=recipient, **self.fields(mail, utcnow()))

    def queue_to(self, recipients: peewee.Select, mail: Mail) -> None:
        """Queue `mail` to the address each row of `recipients` (a one-column select) names.

        One statement whether it selects a row or none: the work does not tell
        whether an address exists.
        """
        values = self.fields(mail, utcnow())
        columns = [getattr(OutboxMail, name) for name in values]
        query = recipients.select_extend(*(peewee.Value(value) for value in values.values()))
        OutboxMail.insert_from(query, [OutboxMail.recipient, *columns]).execute()


def claim(batch: int, lease_seconds: int) -> list[OutboxMail]:
    """Take up to `batch` due mails for this mailer for `lease_seconds`; count the attempt."""
    now = utcnow()
    due = (
        OutboxMail.select(OutboxMail.id)
        .where((OutboxMail.state == PENDING) & (OutboxMail.due_at <= now))
        .order_by(OutboxMail.due_at, OutboxMail.id)
        .limit(batch)
    )
    postgres = isinstance(db.obj, peewee.PostgresqlDatabase)
    with db.atomic(*(() if postgres else ("IMMEDIATE",))):
        if postgres:
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        ids = [row.id for row in due]
        if not ids:
            return []
        OutboxMail.update(
            due_at=now + timedelta(seconds=lease_seconds), attempts=OutboxMail.attempts + 1
        ).where(OutboxMail.id.in_(ids)).execute()
        return list(OutboxMail.select().where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id))


def mark_sent(mail: OutboxMail) -> None:
    """Record a delivery; the body (which may hold a key) is not kept."""
    OutboxMail.update(state=SENT, sent_at=utcnow(), body="", last_error=None).where(
        OutboxMail.id == mail.id
    ).execute()


def mark_failed(mail: OutboxMail, error: str) -> None:
    """Give a mail up for good (a permanent refusal, or a day of trying)."""
    OutboxMail.update(state=FAILED, body="", last_error=error[:ERROR_CHARS]).where(
        OutboxMail.id == mail.id
    ).execute()


def retry_later(mail: OutboxMail, error: str) -> bool:
    """Put a mail back for a later try, waiting longer each time; past a day, fail it. True if kept."""
    now = utcnow()
    if now - mail.created_at >= timedelta(seconds=GIVE_UP_SECONDS):
        mark_failed(mail, f"undelivered after 24 h: {error}")
        return False
    delay = min(2 ** mail.attempts, MAX_BACKOFF_SECONDS)
    OutboxMail.update(due_at=now + timedelta(seconds=delay), last_error=error[:ERROR_CHARS]).where(
        OutboxMail.id == mail.id
    ).execute()
    return True


def counts() -> dict:
    """How many mails are pending, sent and failed."""
    found = dict(
        OutboxMail.select(OutboxMail.state, peewee.fn.COUNT(OutboxMail.id))
        .group_by(OutboxMail.state).tuples()
    )
    return {state: found.get(state, 0) for state in (PENDING, SENT, FAILED)}
