"""Every mail flow over real HTTP: gunicorn and `widget-api mailer` as separate processes,
a real SMTP server (aiosmtpd), on SQLite and PostgreSQL. Also the mailer's faults."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service.db.connection import bind
from service.db.models import OutboxMail
from tests.support.gunicorn import ROOT, serve_unlimited
from tests.support.settings import TESTING_ENV
from tests.support.smtp import key_of

pytestmark = pytest.mark.server

WIDGET_API = str(Path(sys.executable).with_name("widget-api"))
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


def mailer(database_url: str, smtp_url: str, *options) -> subprocess.Popen:
    env = {**os.environ, **TESTING_ENV, "DATABASE_URL": database_url, "SMTP_URL": smtp_url}
    return subprocess.Popen(
        [WIDGET_API, "mailer", *options], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.fixture
def running(database_url, database, smtp_server):
    from tests.support.databases import empty_tables

    empty_tables(database)
    server = serve_unlimited(database_url, SMTP_URL=smtp_server.url)
    worker = mailer(database_url, smtp_server.url)
    yield server, smtp_server
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    server.stop()


def mail_to(smtp_server, address: str, subject: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in smtp_server.messages:
            if message["To"] == address and message["Subject"] == subject:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {address} within {seconds} s")


def test_verify_reset_and_change_over_http(running):
    server, smtp = running
    api = server.url + "/api/v1/auth"
    email, new = "e2e@example.com", "moved@example.com"
    token = requests.post(f"{api}/register", json={"email": email, "password": PASSWORD}).json()["access_token"]
    key = key_of(mail_to(smtp, email, "Verify your email address"))
    assert requests.post(f"{api}/email/verify", json={"key": key}).status_code == 200
    me = requests.get(f"{api}/user", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["email_verified"] is True

    assert requests.post(f"{api}/password/reset", json={"email": email}).status_code == 202
    key = key_of(mail_to(smtp, email, "Reset your password"))
    reset = requests.post(f"{api}/password/reset/confirm", json={"key": key, "new_password": NEW_PASSWORD})
    assert reset.status_code == 200
    token = reset.json()["access_token"]
    assert requests.post(f"{api}/login", json={"email": email, "password": NEW_PASSWORD}).status_code == 200

    changed = requests.put(f"{api}/email", headers={"Authorization": f"Bearer {token}"},
                           json={"new_email": new, "current_password": NEW_PASSWORD})
    assert changed.status_code == 202
    assert "key=" not in mail_to(smtp, email, "Your email address is about to change").get_content()
    key = key_of(mail_to(smtp, new, "Confirm your new email address"))
    assert requests.post(f"{api}/email/verify", json={"key": key}).status_code == 200
    assert requests.post(f"{api}/login", json={"email": new, "password": NEW_PASSWORD}).status_code == 200


def test_smtp_down_for_a_burst_of_50_resets_then_back_delivers_each_once(running):
    server, smtp = running
    api = server.url + "/api/v1/auth"
    addresses = [f"burst{i}@example.com" for i in range(50)]
    for address in addresses:
        requests.post(f"{api}/register", json={"email": address, "password": PASSWORD})
    for address in addresses:
        mail_to(smtp, address, "Verify your email address")
    smtp.stop()
    for address in addresses:
        assert requests.post(f"{api}/password/reset", json={"email": address}).status_code == 202
    time.sleep(3)  # the mailer meets the closed port and backs off
    smtp.start()
    for address in addresses:
        mail_to(smtp, address, "Reset your password", seconds=60)
    resets = [m for m in smtp.messages if m["Subject"] == "Reset your password"]
    assert sorted(m["To"] for m in resets) == sorted(addresses)  # all 50, none twice
    print(f"SMTP down for 50 resets, then back: {len(resets)} reset mails, one per address")


def test_a_mailer_killed_mid_batch_loses_nothing_and_resends_only_the_same_message(
    database_url, database, smtp_server
):
    from service.db.models import db
    from service.mail.outbox import Mail, Outbox
    from tests.support.databases import empty_tables

    bind(database)
    empty_tables(database)
    with db.atomic():
        for i in range(200):
            Outbox("Widget API <no-reply@example.com>").queue(f"k{i}@example.com", Mail("kill", f"{i}"))
    first = mailer(database_url, smtp_server.url, "--lease-seconds", "1")
    while len(smtp_server.messages) < 20:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(1.5)  # the dead mailer's lease ends
    second = mailer(database_url, smtp_server.url, "--once", "--lease-seconds", "1")
    assert second.wait(timeout=120) == 0
    messages = smtp_server.messages
    ids = [m["Message-ID"] for m in messages]
    assert {m["To"] for m in messages} == {f"k{i}@example.com" for i in range(200)}  # none lost
    by_id = {}
    for message in messages:
        by_id.setdefault(message["Message-ID"], set()).add(message["To"])
    assert all(len(to) == 1 for to in by_id.values())  # a duplicate is the same message
    assert len(set(ids)) == 200
    print(f"mailer killed mid-batch: {len(ids)} deliveries of 200 messages, "
          f"{len(ids) - 200} resent with their Message-ID")
    assert OutboxMail.select().where(OutboxMail.state != "sent").count() == 0


def test_two_mailers_on_one_database_send_no_message_twice(database_url, database, smtp_server):
    from service.db.models import db
    from service.mail.outbox import Mail, Outbox
    from tests.support.databases import empty_tables

    if not database_url.startswith("postgresql"):
        pytest.skip("several mailers on several hosts share PostgreSQL")
    bind(database)
    empty_tables(database)
    with db.atomic():
        for i in range(300):
            Outbox("Widget API <no-reply@example.com>").queue(f"t{i}@example.com", Mail("two", f"{i}"))
    both = [mailer(database_url, smtp_server.url, "--once") for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in both] == [0, 0]
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 300 and len(set(ids)) == 300
