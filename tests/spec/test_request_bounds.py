"""Bounds declared are bounds enforced: each request field's upper bound in the spec is exactly
where the service stops accepting, through the database on both backends.

A value at the bound is accepted (and stored and read back where it is stored);
one past it is a 400 naming the field, and only that field.
"""

import pytest

from service.spec.document import load_spec
from tests.support.inprocess import admin_token, bearer, register

SCHEMAS = load_spec().document["components"]["schemas"]
WIDGETS = "/api/v1/widgets"


def declared(schema: str, keyword: str) -> int:
    return SCHEMAS[schema][keyword]


def email_of_length(length: int) -> str:
    """An RFC 5321 address of `length` characters: a local part of 64, labels of 63 at most."""
    local, first, second = "a" * 64, "b" * 63, "c" * 63
    last = "d" * (length - len(f"{local}@{first}.{second}..com"))
    return f"{local}@{first}.{second}.{last}.com"


def url_of_length(length: int) -> str:
    base = "https://www.example.com/"
    return base + "a" * (length - len(base))


def deadline_of_length(length: int) -> str:
    return "2030-12-31".rjust(length)


def assert_refused_naming(response, field: str) -> None:
    assert response.status_code == 400, response.text
    assert set(response.json["errors"]) == {field}


@pytest.fixture
def admin(client) -> dict:
    return bearer(admin_token(client, "admin@example.com"))


def test_email_of_the_declared_length_registers(client):
    email = email_of_length(declared("Email", "maxLength"))
    assert len(email) == 254

    assert register(client, email).status_code == 201


def test_email_one_past_the_declared_length_is_400_naming_it(client):
    email = email_of_length(declared("Email", "maxLength") + 1)

    assert_refused_naming(register(client, email), "email")


def test_password_of_the_declared_length_registers_and_logs_in(client):
    password = "p" * declared("Password", "maxLength")
    assert len(password) == 1024

    assert register(client, "user@example.com", password).status_code == 201
    login = client.simulate_post(
        "/api/v1/auth/login", json={"email": "user@example.com", "password": password}
    )
    assert login.status_code == 200


def test_password_one_past_the_declared_length_is_400_naming_it(client):
    response = register(client, "user@example.com", "p" * (declared("Password", "maxLength") + 1))
    assert_refused_naming(response, "password")


def test_info_url_of_the_declared_length_is_stored_whole(client, admin):
    url = url_of_length(declared("InfoUrl", "maxLength"))
    assert len(url) == 2048
    body = {"name": "long-url", "info_url": url, "deadline": "12/31/2030"}

    assert client.simulate_post(WIDGETS, json=body, headers=admin).status_code == 201
    assert client.simulate_get(f"{WIDGETS}/long-url", headers=admin).json["info_url"] == url


def test_info_url_one_past_the_declared_length_is_400_naming_it(client, admin):
    url = url_of_length(declared("InfoUrl", "maxLength") + 1)
    body = {"name": "long-url", "info_url": url, "deadline": "12/31/2030"}

    assert_refused_naming(client.simulate_post(WIDGETS, json=body, headers=admin), "info_url")


def test_info_url_one_past_the_declared_length_is_400_on_update_too(client, admin):
    url = url_of_length(declared("InfoUrl", "maxLength") + 1)
    body = {"info_url": url, "deadline": "12/31/2030"}

    assert_refused_naming(client.simulate_put(f"{WIDGETS}/w", json=body, headers=admin), "info_url")


def test_deadline_of_the_declared_length_is_accepted(client, admin):
    deadline = deadline_of_length(declared("Deadline", "maxLength"))
    assert len(deadline) == 64
    body = {"name": "padded", "info_url": url_of_length(40), "deadline": deadline}

    assert client.simulate_post(WIDGETS, json=body, headers=admin).status_code == 201
    widget = client.simulate_get(f"{WIDGETS}/padded", headers=admin).json
    assert widget["deadline_iso8601"] == "2030-12-31T23:59:59+00:00"


def test_deadline_one_past_the_declared_length_is_400_naming_it(client, admin):
    deadline = deadline_of_length(declared("Deadline", "maxLength") + 1)
    body = {"name": "padded", "info_url": url_of_length(40), "deadline": deadline}

    assert_refused_naming(client.simulate_post(WIDGETS, json=body, headers=admin), "deadline")


def page_schema(name: str) -> dict:
    operation = load_spec().document["paths"][WIDGETS]["get"]
    return next(param["schema"] for param in operation["parameters"] if param["name"] == name)


@pytest.mark.parametrize("name", ["page", "per_page"])
def test_list_query_at_its_declared_maximum_is_accepted(client, admin, name):
    maximum = page_schema(name)["maximum"]

    response = client.simulate_get(WIDGETS, params={name: maximum}, headers=admin)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("name", ["page", "per_page"])
def test_list_query_one_past_its_declared_maximum_is_400_naming_it(client, admin, name):
    maximum = page_schema(name)["maximum"]

    response = client.simulate_get(WIDGETS, params={name: maximum + 1}, headers=admin)

    assert_refused_naming(response, name)


def asset_bound() -> int:
    operation = load_spec().document["paths"]["/api/v1/ui/{asset}"]["get"]
    return operation["parameters"][0]["schema"]["maxLength"]


def test_asset_name_of_the_declared_length_is_looked_up(client):
    name = "a" * (asset_bound() - 3) + ".js"
    assert len(name) == 100

    assert client.simulate_get(f"/api/v1/ui/{name}").status_code == 404


def test_asset_name_one_past_the_declared_length_is_400_naming_it(client):
    name = "a" * (asset_bound() - 2) + ".js"

    assert_refused_naming(client.simulate_get(f"/api/v1/ui/{name}"), "asset")

