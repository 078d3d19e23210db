"""The outbox and the mailer against a real SMTP server, on both databases."""

import pytest

from service.db.models import OutboxMail, db
from service.mail import outbox
from service.mail.mailer import Mailer
from service.mail.outbox import Mail, Outbox
from service.mail.smtp_url import parse_smtp_url
from service.mail.transport import SmtpTransport

SENDER = "Widget API <no-reply@widgets.example>"


def mailer_for(smtp_server, **options) -> Mailer:
    return Mailer(SmtpTransport(parse_smtp_url(smtp_server.url), timeout=5), SENDER, **options)


def queue(n: int = 1, to: str = "someone@example.com") -> None:
    with db.atomic():
        for i in range(n):
            Outbox(SENDER).queue(to, Mail(f"mail {i}", f"body {i}\nkey=abc{i}\n"))


def test_a_queued_mail_arrives_with_its_fixed_headers(client, smtp_server):
    queue()
    row = OutboxMail.get()
    tally = mailer_for(smtp_server).deliver_due()
    (message,) = smtp_server.wait_for(1)
    assert tally.sent == 1
    assert message["Message-ID"] == row.message_id and row.message_id.endswith("@widgets.example>")
    assert message["To"] == "someone@example.com" and message["From"] == SENDER
    assert "key=abc0" in message.get_content()
    assert outbox.counts() == {"pending": 0, "sent": 1, "failed": 0}


def test_a_sent_mail_keeps_no_body(client, smtp_server):
    queue()
    mailer_for(smtp_server).deliver_due()
    assert OutboxMail.get().body == ""


def test_a_rolled_back_transaction_queues_no_mail(client, smtp_server):
    with pytest.raises(RuntimeError), db.atomic():
        Outbox(SENDER).queue("someone@example.com", Mail("s", "b"))
        raise RuntimeError("the change fails after queueing")
    assert mailer_for(smtp_server).deliver_due().sent == 0
    assert smtp_server.messages == [] and OutboxMail.select().count() == 0


def test_a_temporary_refusal_is_retried_later(client, smtp_server):
    queue()
    smtp_server.collector.refuse_with = "451 4.3.0 try again later"
    tally = mailer_for(smtp_server).deliver_due()
    row = OutboxMail.get()
    assert (tally.retried, row.state, row.attempts) == (1, "pending", 1)
    assert row.last_error.startswith("451")
    smtp_server.collector.refuse_with = None
    OutboxMail.update(due_at=row.created_at).execute()  # the backoff has passed
    assert mailer_for(smtp_server).deliver_due().sent == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_permanent_refusal_fails_the_mail(client, smtp_server):
    queue()
    smtp_server.collector.refuse_with = "550 5.1.1 no such user"
    assert mailer_for(smtp_server).deliver_due().failed == 1
    assert outbox.counts() == {"pending": 0, "sent": 0, "failed": 1}


def test_an_unreachable_server_holds_the_whole_batch_back(client, smtp_server):
    queue(3)
    smtp_server.stop()
    tally = mailer_for(smtp_server).deliver_due()
    assert (tally.sent, tally.retried) == (0, 3)
    assert {row.state for row in OutboxMail.select()} == {"pending"}


def test_a_mail_undelivered_for_a_day_is_failed(client, smtp_server):
    from datetime import timedelta

    queue()
    row = OutboxMail.get()
    OutboxMail.update(created_at=row.created_at - timedelta(hours=25), due_at=row.created_at - timedelta(hours=25)).execute()
    smtp_server.stop()
    assert mailer_for(smtp_server).deliver_due().failed == 1
    assert OutboxMail.get().state == "failed"


def test_a_claimed_mail_is_not_claimed_again_within_its_lease(client, smtp_server):
    queue(2)
    first = outbox.claim(10, 60)
    assert len(first) == 2 and outbox.claim(10, 60) == []


def test_metrics_show_the_outbox_by_state(client, smtp_server):
    queue(2)
    mailer_for(smtp_server).deliver_due()
    queue(1)
    text = client.simulate_get("/metrics").text
    assert 'widget_api_mail_outbox{state="pending"} 1.0' in text
    assert 'widget_api_mail_outbox{state="sent"} 2.0' in text
    assert 'widget_api_mail_outbox{state="failed"} 0.0' in text
