"""User administration: list, show, promote and demote, delete; always one administrator left."""

from urllib.parse import urlencode

import pytest

from service.db.models import Session, User, Widget
from tests.support.inprocess import (
    admin_token,
    assert_envelope,
    bearer,
    random_email,
    register,
    token_for,
)
from tests.support.sessions import session_of, works
from tests.support.widgets import WIDGETS, widget_body

USERS = "/api/v1/users"
LAST_ADMIN = "There must always be at least one administrator"


def user_path(email: str) -> str:
    return f"{USERS}/{User.get(User.email == email).public_id}"


def test_list_pages_users_like_widgets(client):
    admin = admin_token(client)
    for _ in range(6):
        register(client)
    response = client.simulate_get(USERS, params={"page": 2, "per_page": 5}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    body = response.json
    assert body["total_items"] == 7 and body["total_pages"] == 2 and len(body["items"]) == 2
    assert body["links"]["prev"] == "/api/v1/users?page=1&per_page=5"
    assert response.headers["Total-Count"] == "7"
    assert 'rel="prev"' in response.headers["Link"]
    first = body["items"][0]
    assert set(first) == {"email", "public_id", "admin", "registered_on", "link"}
    assert first["link"] == f"{USERS}/{first['public_id']}"


@pytest.mark.parametrize("method, path", [
    ("GET", USERS), ("GET", f"{USERS}/{{id}}"), ("PATCH", f"{USERS}/{{id}}"),
    ("DELETE", f"{USERS}/{{id}}"),
])
def test_user_administration_answers_403_to_a_plain_user(client, method, path):
    token = token_for(client)
    public_id = User.get().public_id
    response = client.simulate_request(method, path.format(id=public_id), headers=bearer(token),
                                       json={"admin": True} if method == "PATCH" else None)
    assert_envelope(response, 403, "You are not an administrator")


def test_get_shows_one_user(client):
    admin = admin_token(client)
    email = random_email()
    register(client, email)
    response = client.simulate_get(user_path(email), headers=bearer(admin))
    assert response.status_code == 200
    assert response.json["email"] == email and response.json["admin"] is False


def test_get_unknown_user_answers_404(client):
    admin = admin_token(client)
    response = client.simulate_get(f"{USERS}/0c5c6a07-2e3f-41c4-91da-7bc0dee6bd2b", headers=bearer(admin))
    assert_envelope(response, 404)


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json", "form"])
def test_promotion_takes_effect_on_the_users_very_next_request(client, content_type):
    admin = admin_token(client)
    email = random_email()
    token = register(client, email).json["access_token"]
    assert client.simulate_post(WIDGETS, json=widget_body(), headers=bearer(token)).status_code == 403
    if content_type == "form":
        body, content_type = urlencode({"admin": "true"}), "application/x-www-form-urlencoded"
    else:
        body = '{"admin": true}'
    response = client.simulate_patch(user_path(email), body=body,
                                     headers={**bearer(admin), "Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json["admin"] is True
    assert client.simulate_post(WIDGETS, json=widget_body(), headers=bearer(token)).status_code == 201


@pytest.mark.parametrize("admin_before", [False, True])
def test_an_empty_merge_patch_changes_nothing_and_answers_200_with_the_user(client, admin_before):
    """RFC 7396: a patch naming no member leaves every member as it is."""
    admin = admin_token(client)
    email = random_email()
    if admin_before:
        admin_token(client, email)
    else:
        register(client, email)
    before = client.simulate_get(user_path(email), headers=bearer(admin)).json
    response = client.simulate_patch(user_path(email), body="{}", headers={
        **bearer(admin), "Content-Type": "application/merge-patch+json"})
    assert response.status_code == 200, response.text
    assert response.json == before
    assert User.get(User.email == email).admin is admin_before


def test_an_empty_merge_patch_of_an_unknown_user_answers_404(client):
    admin = admin_token(client)
    response = client.simulate_patch(
        f"{USERS}/0c5c6a07-2e3f-41c4-91da-7bc0dee6bd2b", body="{}",
        headers={**bearer(admin), "Content-Type": "application/merge-patch+json"},
    )
    assert_envelope(response, 404)


def test_a_merge_patch_without_a_body_answers_400(client):
    admin = admin_token(client)
    email = random_email()
    register(client, email)
    response = client.simulate_patch(user_path(email), headers={
        **bearer(admin), "Content-Type": "application/merge-patch+json"})
    assert_envelope(response, 400)
    assert response.json["errors"] == {"body": "a body is required"}


def test_a_merge_patch_cannot_remove_admin_with_null(client):
    admin = admin_token(client)
    email = random_email()
    register(client, email)
    response = client.simulate_patch(user_path(email), body='{"admin": null}', headers={
        **bearer(admin), "Content-Type": "application/merge-patch+json"})
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["admin"]


def test_demotion_takes_effect_on_the_users_very_next_request(client):
    admin = admin_token(client)
    other_email = random_email()
    other = admin_token(client, other_email)
    response = client.simulate_patch(user_path(other_email), json={"admin": False}, headers=bearer(admin))
    assert response.status_code == 200 and response.json["admin"] is False
    assert_envelope(client.simulate_get(USERS, headers=bearer(other)), 403)


def test_demoting_the_last_administrator_answers_409_and_changes_nothing(client):
    email = random_email()
    admin = admin_token(client, email)
    response = client.simulate_patch(user_path(email), json={"admin": False}, headers=bearer(admin))
    assert_envelope(response, 409, LAST_ADMIN)
    assert User.get(User.email == email).admin is True


def test_deleting_the_last_administrator_answers_409(client):
    email = random_email()
    admin = admin_token(client, email)
    assert_envelope(client.simulate_delete(user_path(email), headers=bearer(admin)), 409, LAST_ADMIN)
    assert User.select().count() == 1


def test_an_administrator_may_leave_while_another_remains(client):
    email = random_email()
    admin = admin_token(client, email)
    admin_token(client)
    assert client.simulate_delete(user_path(email), headers=bearer(admin)).status_code == 204


def test_delete_ends_the_users_sessions_and_removes_their_widgets(client):
    admin = admin_token(client)
    email = random_email()
    issued = admin_token(client, email)  # an administrator, so that they own a widget
    assert client.simulate_post(WIDGETS, json=widget_body(), headers=bearer(issued)).status_code == 201
    sid = session_of(issued)
    assert client.simulate_delete(user_path(email), headers=bearer(admin)).status_code == 204
    assert not works(client, issued)
    assert not Session.select().where(Session.public_id == sid).exists()
    assert Widget.select().count() == 0
    assert_envelope(client.simulate_get(f"{USERS}/{User.get().public_id}x", headers=bearer(admin)), 400)


def test_delete_unknown_user_answers_404(client):
    admin = admin_token(client)
    response = client.simulate_delete(f"{USERS}/0c5c6a07-2e3f-41c4-91da-7bc0dee6bd2b", headers=bearer(admin))
    assert_envelope(response, 404)


def test_patch_refuses_a_non_boolean_admin(client):
    admin = admin_token(client)
    response = client.simulate_patch(f"{USERS}/{User.get().public_id}", json={"admin": "yes"},
                                     headers=bearer(admin))
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["admin"]
