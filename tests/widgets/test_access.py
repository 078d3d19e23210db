"""Who may call the widget operations."""

import pytest

from service.db.models import User, Widget
from tests.support.inprocess import bearer, login, register
from tests.support.widgets import WIDGETS, widget_body

ADMIN_CHALLENGE = (
    'Bearer realm="admin_users@widget-api", error="insufficient_scope", '
    'error_description="You are not an administrator"'
)
WRITES = [
    ("POST", WIDGETS, widget_body("new-widget")),
    ("PUT", f"{WIDGETS}/my-widget", {"info_url": "https://example.com", "deadline": "2030-12-31"}),
    ("DELETE", f"{WIDGETS}/my-widget", None),
]
EVERY_OPERATION = [
    ("GET", WIDGETS, None),
    ("GET", f"{WIDGETS}/my-widget", None),
    *WRITES,
]


@pytest.mark.parametrize("method,path,body", WRITES, ids=["create", "update", "delete"])
def test_non_admin_write_is_403_insufficient_scope(client, admin, user, method, path, body):
    client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    response = client.simulate_request(method, path, json=body, headers=user)
    assert response.status_code == 403
    assert response.json == {"status": "fail", "message": "You are not an administrator"}
    assert response.headers["WWW-Authenticate"] == ADMIN_CHALLENGE
    assert Widget.select().count() == 1
    assert Widget.get().info_url == "https://www.example.com/w"


@pytest.mark.parametrize(
    "method,path,body", EVERY_OPERATION, ids=["list", "get", "create", "update", "delete"]
)
def test_every_widget_operation_without_token_is_401(client, method, path, body):
    response = client.simulate_request(method, path, json=body)
    assert response.status_code == 401
    assert response.json == {"status": "fail", "message": "Unauthorized"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="registered_users@widget-api"'


@pytest.mark.parametrize("method,path", [("GET", WIDGETS), ("GET", f"{WIDGETS}/my-widget")])
def test_any_valid_token_may_read(client, admin, user, method, path):
    client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    assert client.simulate_request(method, path, headers=user).status_code == 200


def test_admin_claim_on_a_non_admin_token_grants_nothing(client):
    """Rights come from the user's row: a token issued while admin loses them with the flag."""
    register(client, "was-admin@example.com")
    User.update(admin=True).execute()
    token = login(client, "was-admin@example.com").json["access_token"]
    User.update(admin=False).execute()
    response = client.simulate_post(WIDGETS, json=widget_body(), headers=bearer(token))
    assert response.status_code == 403


def test_granting_admin_takes_effect_on_the_next_request(client, user):
    assert client.simulate_post(WIDGETS, json=widget_body(), headers=user).status_code == 403
    User.update(admin=True).execute()
    assert client.simulate_post(WIDGETS, json=widget_body(), headers=user).status_code == 201
