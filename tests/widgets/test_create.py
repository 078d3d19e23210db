"""POST /api/v1/widgets (administrators)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import falcon.testing
import pytest

from service.db.models import User, Widget
from tests.support.inprocess import assert_envelope, post_form
from tests.support.widgets import WIDGETS, widget_body


def test_create_returns_201_with_message_and_absolute_location(client, admin):
    response = client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    assert response.status_code == 201
    assert response.json == {"status": "success", "message": "New widget added: my-widget."}
    assert response.headers["Location"] == "http://falconframework.org/api/v1/widgets/my-widget"


def test_create_accepts_a_form_encoded_body(client, admin):
    response = post_form(client, WIDGETS, widget_body("form-widget"), headers=admin)
    assert response.status_code == 201


def test_create_makes_the_calling_admin_the_owner(client, admin):
    client.simulate_post(WIDGETS, json=widget_body(), headers=admin)
    assert Widget.get().owner.email == "admin@example.com"


def test_create_stores_the_name_in_lowercase(client, admin):
    response = client.simulate_post(WIDGETS, json=widget_body("Mixed_Case-1"), headers=admin)
    assert response.json["message"] == "New widget added: mixed_case-1."
    assert Widget.get().name == "mixed_case-1"


@pytest.mark.parametrize("notation", ["12/31/2030", "2030-12-31", "Dec 31 2030"])
def test_create_accepts_common_date_notations_stored_as_end_of_day_utc(client, admin, notation):
    response = client.simulate_post(WIDGETS, json=widget_body(deadline=notation), headers=admin)
    assert response.status_code == 201
    assert Widget.get().deadline == datetime(2030, 12, 31, 23, 59, 59)


@pytest.mark.parametrize("name", ["a", "A" * 100, "widget_1", "x-y-z", "0123456789"])
def test_create_accepts_valid_names(client, admin, name):
    response = client.simulate_post(WIDGETS, json=widget_body(name), headers=admin)
    assert response.status_code == 201


@pytest.mark.parametrize("name", ["", "a" * 101, "has space", "dot.name", "slash/x", "ünï", "semi;colon"])
def test_create_refuses_invalid_names_naming_the_field(client, admin, name):
    response = client.simulate_post(WIDGETS, json=widget_body(name), headers=admin)
    assert_envelope(response, 400, "Input payload validation failed")
    assert list(response.json["errors"]) == ["name"]
    assert Widget.select().count() == 0


@pytest.mark.parametrize(
    "url", ["www.example.com", "ftp://example.com/x", "https://", "http:///path", "javascript:alert(1)", "not a url"]
)
def test_create_refuses_invalid_info_urls_naming_the_value(client, admin, url):
    response = client.simulate_post(WIDGETS, json=widget_body(info_url=url), headers=admin)
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["info_url"]
    assert response.json["errors"]["info_url"].startswith(url)


@pytest.mark.parametrize("deadline", ["garbage", "2030-02-30", "13/45/2030", "Dec 2030", "2030-12-31 10:00"])
def test_create_refuses_unreadable_deadlines_saying_what_is_accepted(client, admin, deadline):
    response = client.simulate_post(WIDGETS, json=widget_body(deadline=deadline), headers=admin)
    assert_envelope(response, 400)
    message = response.json["errors"]["deadline"]
    assert message.startswith(deadline) and "12/31/2030" in message


def test_create_refuses_a_past_deadline(client, admin):
    response = client.simulate_post(WIDGETS, json=widget_body(deadline="2020-01-01"), headers=admin)
    assert "is in the past" in response.json["errors"]["deadline"]


def test_create_accepts_todays_date_as_deadline(frozen_clock, client, admin):
    today = frozen_clock.now().date().isoformat()
    response = client.simulate_post(WIDGETS, json=widget_body(deadline=today), headers=admin)
    assert response.status_code == 201


def test_create_reports_every_failing_field_at_once(client, admin):
    body = {"name": "bad name", "info_url": "nope", "deadline": "whenever"}
    response = client.simulate_post(WIDGETS, json=body, headers=admin)
    assert set(response.json["errors"]) == {"name", "info_url", "deadline"}


def test_create_missing_fields_are_each_named(client, admin):
    response = client.simulate_post(WIDGETS, json={}, headers=admin)
    assert set(response.json["errors"]) == {"name", "info_url", "deadline"}


def test_create_duplicate_name_is_409(client, admin):
    client.simulate_post(WIDGETS, json=widget_body("twin"), headers=admin)
    response = client.simulate_post(WIDGETS, json=widget_body("twin"), headers=admin)
    assert_envelope(response, 409, "Widget name: twin already exists, must be unique.")


def test_create_duplicate_name_differing_in_case_is_409(client, admin):
    client.simulate_post(WIDGETS, json=widget_body("twin"), headers=admin)
    response = client.simulate_post(WIDGETS, json=widget_body("TWIN"), headers=admin)
    assert_envelope(response, 409, "Widget name: twin already exists, must be unique.")
    assert Widget.select().count() == 1


def test_concurrent_creates_of_one_name_give_exactly_one_201(client, app, admin):
    def attempt(_):
        fresh = falcon.testing.TestClient(app)
        return fresh.simulate_post(WIDGETS, json=widget_body("race"), headers=admin).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [201] + [409] * 7
    assert Widget.select().count() == 1


def test_deleting_the_owner_removes_their_widgets(client, admin):
    client.simulate_post(WIDGETS, json=widget_body(), headers=admin)
    User.delete().where(User.email == "admin@example.com").execute()
    assert Widget.select().count() == 0


@pytest.mark.parametrize("field,value", [("name", "trailing-newline\n"),
                                         ("info_url", "https://example.com/x\n")])
def test_create_refuses_a_trailing_newline(client, admin, field, value):
    response = client.simulate_post(WIDGETS, json=widget_body(**{field: value}), headers=admin)
    assert list(response.json["errors"]) == [field]
