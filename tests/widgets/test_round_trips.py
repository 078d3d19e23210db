"""What the service sends, it accepts back with the same meaning: deadlines, links, Location."""

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from service.db.models import Widget
from tests.support.widgets import WIDGETS, widget_body


@pytest.fixture
def shown(client, admin) -> dict:
    """A widget as a client reads it back after creating it."""
    client.simulate_post(WIDGETS, json=widget_body("my-widget", deadline="Dec 31 2099"), headers=admin)
    return client.simulate_get(f"{WIDGETS}/my-widget", headers=admin).json


@pytest.mark.parametrize("form", ["deadline", "deadline_iso8601"])
def test_update_accepts_the_deadline_as_the_service_renders_it(client, admin, shown, form):
    response = client.simulate_put(
        shown["link"], json={"info_url": shown["info_url"], "deadline": shown[form]}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert Widget.get().deadline == datetime(2099, 12, 31, 23, 59, 59)


@pytest.mark.parametrize("form", ["deadline", "deadline_iso8601"])
def test_create_accepts_a_deadline_read_from_another_widget(client, admin, shown, form):
    body = widget_body("copy", deadline=shown[form])
    assert client.simulate_post(WIDGETS, json=body, headers=admin).status_code == 201
    assert Widget.get(Widget.name == "copy").deadline == datetime(2099, 12, 31, 23, 59, 59)


def test_update_refuses_a_created_at_as_deadline_since_it_is_not_the_end_of_a_day(client, admin):
    client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    Widget.update(created_at=datetime(2030, 6, 1, 6, 24, 22)).execute()
    shown = client.simulate_get(f"{WIDGETS}/my-widget", headers=admin).json
    body = {"info_url": shown["info_url"], "deadline": shown["created_at_iso8601"]}
    response = client.simulate_put(shown["link"], json=body, headers=admin)
    assert response.status_code == 400
    assert "the day's last second in UTC" in response.json["errors"]["deadline"]


def test_location_leads_to_the_widget_created(client, admin):
    response = client.simulate_put(f"{WIDGETS}/New-One", json={
        "info_url": "https://example.com", "deadline": "2030-12-31"}, headers=admin)
    location = urlsplit(response.headers["Location"])
    assert client.simulate_get(location.path, headers=admin).json["name"] == "new-one"


def test_every_list_link_leads_to_the_page_it_names(client, user, add_widgets):
    add_widgets(12)
    links = client.simulate_get(WIDGETS, params={"page": 2, "per_page": 5}, headers=user).json["links"]
    for rel, link in links.items():
        path, _, query = link.partition("?")
        body = client.simulate_get(path, query_string=query, headers=user).json
        assert body["links"]["self"] == link, rel
