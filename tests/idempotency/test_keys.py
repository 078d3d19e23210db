"""Idempotency-Key in process, on both databases: a retry gets the first answer and changes nothing."""

from datetime import timedelta

import pytest

from service.clock import utcnow
from service.db.models import IdempotencyKey, OutboxMail, User, Widget
from service.idempotency import keys
from tests.support.inprocess import admin_token, assert_envelope, bearer, post_form, token_for
from tests.support.widgets import WIDGETS, widget_body


def create(client, headers, key, name="keyed", **fields):
    return client.simulate_post(
        WIDGETS, json=widget_body(name, **fields), headers={**headers, "Idempotency-Key": key}
    )


def test_a_retry_gets_the_stored_answer_byte_for_byte_and_writes_nothing(client, admin, key):
    first = create(client, admin, key)
    retry = create(client, admin, key)
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    for name in ("Location", "ETag", "Content-Type"):
        assert retry.headers[name] == first.headers[name]
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Widget.select().count() == 1
    assert IdempotencyKey.select().count() == 1


def test_without_a_key_nothing_is_stored(client, admin):
    assert client.simulate_post(WIDGETS, json=widget_body("plain"), headers=admin).status_code == 201
    assert IdempotencyKey.select().count() == 0


def test_a_quoted_key_and_the_same_characters_bare_are_one_key(client, admin, key):
    assert create(client, admin, f'"{key}"').status_code == 201
    assert create(client, admin, key).headers["Idempotent-Replayed"] == "true"


def test_json_and_a_form_of_the_same_fields_are_one_request(client, admin, key):
    assert create(client, admin, key).status_code == 201
    retry = post_form(client, WIDGETS, widget_body("keyed"), headers={**admin, "Idempotency-Key": key})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused_422_and_writes_nothing(client, admin, key):
    assert create(client, admin, key).status_code == 201
    other = create(client, admin, key, name="another")
    assert_envelope(other, 422, keys.REUSED)
    assert [w.name for w in Widget.select()] == ["keyed"]


def test_the_same_key_on_another_operation_is_refused_422(client, admin, key):
    assert create(client, admin, key).status_code == 201
    user = User.get(User.email == "admin@example.com")
    answer = client.simulate_patch(
        f"/api/v1/users/{user.public_id}", json={"admin": True},
        headers={**admin, "Idempotency-Key": key},
    )
    assert_envelope(answer, 422, keys.REUSED)


def test_keys_are_the_callers_own(client, admin, key):
    """Another administrator's request with the same key is a request of its own."""
    assert create(client, admin, key).status_code == 201
    other = bearer(admin_token(client, "other-admin@example.com"))
    answer = create(client, other, key)
    assert_envelope(answer, 409)  # the name is taken: it ran, it was not replayed
    assert "Idempotent-Replayed" not in answer.headers


def test_a_refusal_is_stored_and_replayed_like_any_answer(client, admin, key):
    assert client.simulate_post(WIDGETS, json=widget_body("taken"), headers=admin).status_code == 201
    first = create(client, admin, key, name="taken")
    assert_envelope(first, 409)
    assert client.simulate_delete(f"{WIDGETS}/taken", headers=admin).status_code == 204
    retry = create(client, admin, key, name="taken")
    assert retry.status_code == 409 and retry.content == first.content
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Widget.select().count() == 0


def test_a_user_update_is_replayed_and_not_done_again(client, admin, key):
    token_for(client, "someone@example.com")
    someone = User.get(User.email == "someone@example.com")
    path = f"/api/v1/users/{someone.public_id}"
    keyed = {**admin, "Idempotency-Key": key}
    first = client.simulate_patch(path, json={"admin": True}, headers=keyed)
    assert first.status_code == 200 and first.json["admin"] is True
    assert client.simulate_patch(path, json={"admin": False}, headers=admin).status_code == 200
    retry = client.simulate_patch(
        path, body="admin=true",
        headers={**keyed, "Content-Type": "application/x-www-form-urlencoded"},
    )  # the form of the same field: the same request
    assert retry.status_code == 200 and retry.content == first.content
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert User.get_by_id(someone.id).admin is False


@pytest.mark.parametrize(
    "value", ["", " ", "a b", '"unclosed', '"a"b"', "x" * 256, '"' + "x" * 256 + '"', "caf\u00e9", '"a\\b"'],
)
def test_a_malformed_key_is_refused_400_and_nothing_is_written(client, admin, value):
    answer = create(client, admin, value)
    assert_envelope(answer, 400)
    assert "Idempotency-Key" in answer.json["errors"]
    assert Widget.select().count() == 0


def test_the_longest_keys_are_accepted(client, admin):
    assert create(client, admin, "k" * 255, name="bare").status_code == 201
    assert create(client, admin, '"' + "q" * 255 + '"', name="quoted").status_code == 201


def test_an_expired_key_is_a_new_key(client_with, frozen_clock, key):
    client = client_with(IDEMPOTENCY_KEY_EXPIRE_SECONDS="60")
    admin = bearer(admin_token(client, "admin@example.com"))
    assert create(client, admin, key).status_code == 201
    frozen_clock.freeze(utcnow() + timedelta(seconds=61))
    answer = create(client, admin, key, name="second")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers


def test_purge_removes_only_expired_keys(client_with, frozen_clock):
    client = client_with(IDEMPOTENCY_KEY_EXPIRE_SECONDS="60")
    admin = bearer(admin_token(client, "admin@example.com"))
    assert create(client, admin, "old", name="old").status_code == 201
    frozen_clock.freeze(utcnow() + timedelta(seconds=61))
    assert create(client, admin, "new", name="new").status_code == 201
    assert keys.purge_expired() == 1
    assert [row.key for row in IdempotencyKey.select()] == ["new"]


@pytest.mark.parametrize("path", ["/api/v1/auth/password/reset", "/api/v1/auth/email/verify/resend"])
def test_a_retried_mail_request_is_answered_again_and_queues_no_second_mail(client, admin, key, path):
    token_for(client, "owner@example.com")  # an address that exists, so a mail is queued
    queued = OutboxMail.select().count()
    first = client.simulate_post(path, json={"email": "owner@example.com"}, headers={"Idempotency-Key": key})
    retry = client.simulate_post(path, json={"email": "owner@example.com"}, headers={"Idempotency-Key": key})
    assert first.status_code == retry.status_code == 202
    assert retry.content == first.content and retry.headers["Idempotent-Replayed"] == "true"
    assert OutboxMail.select().count() == queued + 1


def test_a_429_is_not_kept_so_the_retry_after_the_wait_runs(client, frozen_clock, key):
    """A limit's refusal asks for a retry later: that retry, with the same key, runs anew."""
    token_for(client, "owner@example.com")
    path, body = "/api/v1/auth/password/reset", {"email": "owner@example.com"}
    keyed = {"Idempotency-Key": key}
    while (answer := client.simulate_post(path, json=body)).status_code != 429:
        assert answer.status_code == 202
    refused = client.simulate_post(path, json=body, headers=keyed)
    assert_envelope(refused, 429)
    again = client.simulate_post(path, json=body, headers=keyed)
    assert_envelope(again, 429)
    assert "Idempotent-Replayed" not in again.headers
    assert IdempotencyKey.select().count() == 0
    frozen_clock.freeze(utcnow() + timedelta(seconds=int(refused.headers["Retry-After"]) + 1))
    after = client.simulate_post(path, json=body, headers=keyed)
    assert after.status_code == 202 and "Idempotent-Replayed" not in after.headers
