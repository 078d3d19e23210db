"""Accounts by email, in process, reading the mails a real SMTP server received."""

import falcon.testing
import pytest

from service.app import create_app
from service.db.connection import bind
from service.db.models import EmailKey, OutboxMail, User
from service.mail.mailer import Mailer
from service.mail.smtp_url import parse_smtp_url
from service.mail.transport import SmtpTransport
from tests.support.databases import empty_tables
from tests.support.inprocess import PASSWORD, assert_envelope, bearer, login, random_email, register
from tests.support.settings import make_settings
from tests.support.smtp import key_of

API = "/api/v1/auth"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def deliver(smtp_server, settings):
    """Run the mailer once; return the mails that arrived so far."""
    mailer = Mailer(SmtpTransport(parse_smtp_url(smtp_server.url), timeout=5), settings.mail_from)

    def run():
        mailer.deliver_due()
        return smtp_server.messages
    return run


@pytest.fixture
def mandatory(database_url, database):
    bind(database)
    empty_tables(database)
    app = create_app(make_settings(database_url, EMAIL_VERIFICATION="mandatory"), database)
    return falcon.testing.TestClient(app)


def post(client, path, body, **kwargs):
    return client.simulate_post(API + path, json=body, **kwargs)


def mails_to(messages, address):
    return [m for m in messages if m["To"] == address]


def titled(messages, subject):
    """The first of `messages` with this subject."""
    return next(m for m in messages if m["Subject"] == subject)


def test_register_mails_a_verification_key_that_verifies_the_address(client, deliver):
    email = random_email()
    token = register(client, email).json["access_token"]
    assert client.simulate_get(f"{API}/user", headers=bearer(token)).json["email_verified"] is False
    (mail,) = mails_to(deliver(), email)
    assert "key=" in mail.get_content() and "/api/v1/ui#/auth/auth.verify_email?key=" in mail.get_content()
    response = post(client, "/email/verify", {"key": key_of(mail)})
    assert response.status_code == 200 and response.json["status"] == "success"
    assert client.simulate_get(f"{API}/user", headers=bearer(token)).json["email_verified"] is True


def test_a_key_works_once(client, deliver):
    email = random_email()
    register(client, email)
    key = key_of(mails_to(deliver(), email)[0])
    assert post(client, "/email/verify", {"key": key}).status_code == 200
    response = post(client, "/email/verify", {"key": key})
    assert_envelope(response, 400)
    assert "key" in response.json["errors"]


def test_keys_are_stored_only_as_hashes(client, deliver):
    email = random_email()
    register(client, email)
    key = key_of(mails_to(deliver(), email)[0])
    assert len(key) == 43
    assert all(key not in row.key_hash for row in EmailKey.select())


def test_an_expired_key_is_refused(client, deliver):
    email = random_email()
    register(client, email)
    key = key_of(mails_to(deliver(), email)[0])
    EmailKey.update(expires_at=EmailKey.created_at).execute()
    assert_envelope(post(client, "/email/verify", {"key": key}), 400)


def test_resend_kills_the_older_key_and_answers_alike_for_any_address(client, deliver):
    email = random_email()
    register(client, email)
    first = key_of(mails_to(deliver(), email)[0])
    known = post(client, "/email/verify/resend", {"email": email})
    unknown = post(client, "/email/verify/resend", {"email": random_email()})
    assert known.status_code == unknown.status_code == 202 and known.content == unknown.content
    second = key_of(mails_to(deliver(), email)[1])
    assert_envelope(post(client, "/email/verify", {"key": first}), 400)
    assert post(client, "/email/verify", {"key": second}).status_code == 200
    post(client, "/email/verify/resend", {"email": email})  # verified now: no new key
    assert len(mails_to(deliver(), email)) == 2


def test_reset_sends_a_key_only_to_an_existing_address_with_the_same_answer(client, deliver):
    email, stranger = random_email(), random_email()
    register(client, email)
    known = post(client, "/password/reset", {"email": email})
    unknown = post(client, "/password/reset", {"email": stranger})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    messages = deliver()
    assert len(mails_to(messages, email)) == 2 and mails_to(messages, stranger) == []


def test_reset_confirm_sets_the_password_ends_sessions_and_verifies(client, deliver):
    email = random_email()
    old_token = register(client, email).json["access_token"]
    post(client, "/password/reset", {"email": email})
    mail = titled(mails_to(deliver(), email), "Reset your password")
    response = post(client, "/password/reset/confirm", {"key": key_of(mail), "new_password": NEW_PASSWORD})
    assert response.status_code == 200 and response.json["message"] == "password reset"
    assert client.simulate_get(f"{API}/user", headers=bearer(old_token)).status_code == 401
    new_token = response.json["access_token"]
    assert client.simulate_get(f"{API}/user", headers=bearer(new_token)).json["email_verified"] is True
    assert login(client, email, PASSWORD).status_code == 401
    assert login(client, email, NEW_PASSWORD).status_code == 200
    assert post(client, "/password/reset/confirm", {"key": key_of(mail), "new_password": PASSWORD}).status_code == 400


def test_reset_confirm_with_a_bad_key_changes_nothing(client):
    email = random_email()
    register(client, email)
    response = post(client, "/password/reset/confirm", {"key": "A" * 43, "new_password": NEW_PASSWORD})
    assert_envelope(response, 400)
    assert set(response.json["errors"]) == {"key"}
    assert login(client, email, PASSWORD).status_code == 200


def test_a_password_change_kills_outstanding_keys(client, deliver):
    email = random_email()
    token = register(client, email).json["access_token"]
    post(client, "/password/reset", {"email": email})
    client.simulate_put(f"{API}/password", headers=bearer(token),
                        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    reset = titled(mails_to(deliver(), email), "Reset your password")
    # a password change by register's session does not go through the key rules: kill them too
    response = post(client, "/password/reset/confirm", {"key": key_of(reset), "new_password": PASSWORD})
    assert response.status_code == 400


def test_change_email_moves_the_account_only_once_the_new_address_key_is_used(client, deliver):
    email, new = random_email(), random_email()
    token = register(client, email).json["access_token"]
    response = client.simulate_put(f"{API}/email", headers=bearer(token),
                                   json={"new_email": new, "current_password": PASSWORD})
    assert response.status_code == 202
    messages = deliver()
    (notice,) = [m for m in mails_to(messages, email) if "about to change" in m["Subject"]]
    assert "key=" not in notice.get_content()
    assert User.get().email == email
    assert post(client, "/email/verify", {"key": key_of(mails_to(messages, new)[0])}).status_code == 200
    assert User.get().email == new and User.get().email_verified


def test_change_email_to_a_taken_address_answers_the_same_and_sends_no_key(client, deliver):
    email, taken = random_email(), random_email()
    token = register(client, email).json["access_token"]
    register(client, taken)
    deliver()
    before = len(mails_to(deliver(), taken))
    response = client.simulate_put(f"{API}/email", headers=bearer(token),
                                   json={"new_email": taken, "current_password": PASSWORD})
    assert response.status_code == 202
    assert len(mails_to(deliver(), taken)) == before


def test_change_email_to_an_address_taken_meanwhile_answers_409(client, deliver):
    email, new = random_email(), random_email()
    token = register(client, email).json["access_token"]
    client.simulate_put(f"{API}/email", headers=bearer(token), json={"new_email": new, "current_password": PASSWORD})
    key = key_of(mails_to(deliver(), new)[0])
    register(client, new)
    assert_envelope(post(client, "/email/verify", {"key": key}), 409)


def test_change_email_with_a_wrong_password_answers_400_naming_it(client):
    token = register(client, random_email()).json["access_token"]
    response = client.simulate_put(f"{API}/email", headers=bearer(token),
                                   json={"new_email": random_email(), "current_password": "wrong password"})
    assert_envelope(response, 400)
    assert set(response.json["errors"]) == {"current_password"}
    assert OutboxMail.select().where(OutboxMail.subject.contains("address")).count() == 1  # register's only


def test_mandatory_register_answers_alike_without_tokens_and_mails_the_owner(mandatory, deliver):
    email = random_email()
    first = register(mandatory, email)
    again = register(mandatory, email)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content and "access_token" not in first.json
    subjects = sorted(m["Subject"] for m in mails_to(deliver(), email))
    assert subjects == ["Verify your email address", "You already have an account"]


def test_mandatory_login_refuses_an_unverified_address_after_the_password(mandatory, deliver):
    email = random_email()
    register(mandatory, email)
    assert_envelope(login(mandatory, email, "a wrong password!"), 401)
    refused = login(mandatory, email)
    assert_envelope(refused, 403)
    assert "not verified" in refused.json["message"]
    mail = titled(mails_to(deliver(), email), "Verify your email address")
    assert post(mandatory, "/email/verify", {"key": key_of(mail)}).status_code == 200
    assert login(mandatory, email).status_code == 200


def test_a_rolled_back_register_queues_no_mail(client, deliver):
    email = random_email()
    register(client, email)
    deliver()
    assert register(client, email).status_code == 409  # the insert fails: its welcome never ran
    assert len(mails_to(deliver(), email)) == 1
