"""GET, PUT and DELETE /api/v1/widgets/{name}."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from service.clock import utcnow
from service.db.models import Widget
from tests.support.inprocess import assert_envelope
from tests.support.widgets import WIDGETS, widget_body

CHANGES = {"info_url": "https://example.com/v2", "deadline": "Jan 31 2031"}


@pytest.fixture
def widget(client, admin) -> str:
    client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    return f"{WIDGETS}/my-widget"


def test_get_shows_every_widget_field(client, user, widget):
    body = client.simulate_get(widget, headers=user).json
    assert set(body) == {
        "name", "info_url", "created_at", "created_at_iso8601", "created_at_rfc822", "deadline",
        "deadline_iso8601", "deadline_passed", "time_remaining", "owner", "link",
    }
    assert body["name"] == "my-widget"
    assert body["info_url"] == "https://www.example.com/w"
    assert body["link"] == "/api/v1/widgets/my-widget"


def test_get_shows_the_owner_without_private_fields(client, user, widget):
    owner = client.simulate_get(widget, headers=user).json["owner"]
    assert set(owner) == {"email", "public_id"}
    assert owner["email"] == "admin@example.com"


def test_get_renders_the_deadline_in_every_form(frozen_clock, client, user, widget):
    body = client.simulate_get(widget, headers=user).json
    assert body["deadline"] == "12/31/30 11:59:59 PM UTC"
    assert body["deadline_iso8601"] == "2030-12-31T23:59:59+00:00"
    assert body["deadline_passed"] is False
    assert body["time_remaining"] == "1825 days 11 hours 59 minutes 59 seconds"


def test_time_remaining_says_one_second_in_the_singular(frozen_clock, client, user, widget):
    Widget.update(deadline=utcnow() + timedelta(seconds=1)).execute()
    body = client.simulate_get(widget, headers=user).json
    assert body["time_remaining"] == "1 second"


def test_get_renders_created_at_in_every_form_for_the_same_instant(client, user, widget):
    body = client.simulate_get(widget, headers=user).json
    iso = datetime.fromisoformat(body["created_at_iso8601"])
    assert parsedate_to_datetime(body["created_at_rfc822"]).replace(tzinfo=UTC) == iso
    assert datetime.strptime(body["created_at"], "%m/%d/%y %I:%M:%S %p UTC") == iso.replace(tzinfo=None)
    assert body["created_at_rfc822"].endswith(" -0000")


def test_get_of_a_passed_deadline_says_no_time_remaining(client, user, widget):
    Widget.update(deadline=utcnow() - timedelta(days=1)).execute()
    body = client.simulate_get(widget, headers=user).json
    assert body["deadline_passed"] is True
    assert body["time_remaining"] == "No time remaining"


def test_get_is_case_insensitive(client, user, widget):
    assert client.simulate_get(f"{WIDGETS}/MY-Widget", headers=user).json["name"] == "my-widget"


def test_get_unknown_widget_is_404(client, user):
    assert_envelope(client.simulate_get(f"{WIDGETS}/nothing", headers=user), 404,
                    "nothing not found in database.")


def test_get_invalid_name_is_400_naming_it(client, user):
    response = client.simulate_get(f"{WIDGETS}/bad%20name", headers=user)
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == ["name"]


def test_update_changes_url_and_deadline(client, admin, widget):
    response = client.simulate_put(widget, json=CHANGES, headers=admin)
    assert response.status_code == 200
    assert response.json == {"status": "success", "message": "'my-widget' was successfully updated"}
    stored = Widget.get()
    assert stored.info_url == "https://example.com/v2"
    assert stored.deadline == datetime(2031, 1, 31, 23, 59, 59)


def test_update_by_name_in_other_case_updates_the_same_widget(client, admin, widget):
    assert client.simulate_put(f"{WIDGETS}/MY-WIDGET", json=CHANGES, headers=admin).status_code == 200
    assert Widget.select().count() == 1


def test_update_of_a_missing_widget_creates_it(client, admin):
    response = client.simulate_put(f"{WIDGETS}/Brand-New", json=CHANGES, headers=admin)
    assert response.status_code == 201
    assert response.json == {"status": "success", "message": "New widget added: brand-new."}
    assert response.headers["Location"].endswith("/api/v1/widgets/brand-new")
    assert Widget.get().owner.email == "admin@example.com"


def test_update_reports_every_failing_field(client, admin, widget):
    response = client.simulate_put(widget, json={"info_url": "x", "deadline": "2000-01-01"}, headers=admin)
    assert set(response.json["errors"]) == {"info_url", "deadline"}
    assert Widget.get().info_url == "https://www.example.com/w"


def test_update_refuses_a_name_in_the_body(client, admin, widget):
    response = client.simulate_put(widget, json={**CHANGES, "name": "renamed"}, headers=admin)
    assert list(response.json["errors"]) == ["name"]


def test_update_with_invalid_name_creates_nothing(client, admin):
    response = client.simulate_put(f"{WIDGETS}/bad.name", json=CHANGES, headers=admin)
    assert_envelope(response, 400)
    assert Widget.select().count() == 0


def test_delete_answers_204_with_empty_body_then_get_is_404(client, admin, widget):
    response = client.simulate_delete(widget, headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    assert client.simulate_get(widget, headers=admin).status_code == 404


def test_delete_unknown_widget_is_404(client, admin):
    assert_envelope(client.simulate_delete(f"{WIDGETS}/ghost", headers=admin), 404,
                    "ghost not found in database.")
