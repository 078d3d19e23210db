"""Conditional requests on widgets (RFC 9110 §13): ETags, 304, and If-Match / If-None-Match on writes."""

import re

import pytest

from tests.support.inprocess import assert_envelope
from tests.support.widgets import WIDGETS, widget_body

STRONG_TAG = re.compile(r'"[0-9a-f]{32}"')
CHANGES = {"info_url": "https://www.example.com/changed", "deadline": "2031-06-30"}


def item(name: str) -> str:
    return f"{WIDGETS}/{name}"


@pytest.fixture
def widget(client, admin) -> str:
    """A widget named `tagged`, freshly created; its path."""
    assert client.simulate_post(WIDGETS, json=widget_body("tagged"), headers=admin).status_code == 201
    return item("tagged")


def tag_of(client, path: str, headers: dict) -> str:
    response = client.simulate_get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def test_get_sends_a_strong_etag(client, admin, widget):
    assert STRONG_TAG.fullmatch(tag_of(client, widget, admin))


def test_a_post_answer_carries_the_etag_a_get_then_sends(client, admin):
    created = client.simulate_post(WIDGETS, json=widget_body("fresh"), headers=admin)
    assert created.headers["ETag"] == tag_of(client, item("fresh"), admin)


def test_the_etag_stays_while_nothing_stored_changes(client, admin, user, widget, frozen_clock):
    first = tag_of(client, widget, admin)
    same = client.simulate_put(widget, json={k: widget_body()[k] for k in CHANGES}, headers=admin)
    assert same.status_code == 200
    assert same.headers["ETag"] == first == tag_of(client, widget, user)


def test_the_etag_changes_when_a_stored_field_changes(client, admin, widget):
    before = tag_of(client, widget, admin)
    updated = client.simulate_put(widget, json=CHANGES, headers=admin)
    assert updated.status_code == 200
    assert updated.headers["ETag"] != before
    assert updated.headers["ETag"] == tag_of(client, widget, admin)


def test_get_with_if_none_match_of_the_current_tag_answers_304_without_a_body(client, user, widget):
    tag = tag_of(client, widget, user)
    response = client.simulate_get(widget, headers={**user, "If-None-Match": tag})
    assert response.status_code == 304
    assert response.headers["ETag"] == tag
    assert response.content == b""


def test_get_with_if_none_match_of_an_old_tag_answers_200_with_the_widget(client, admin, widget):
    old = tag_of(client, widget, admin)
    client.simulate_put(widget, json=CHANGES, headers=admin)
    response = client.simulate_get(widget, headers={**admin, "If-None-Match": old})
    assert response.status_code == 200
    assert response.json["info_url"] == CHANGES["info_url"]


def test_list_with_if_none_match_of_the_page_tag_answers_304_until_the_page_changes(
    client, admin, add_widgets
):
    add_widgets(3)
    tag = tag_of(client, WIDGETS, admin)
    unchanged = client.simulate_get(WIDGETS, headers={**admin, "If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", tag)
    client.simulate_put(item("widget-2"), json=CHANGES, headers=admin)
    changed = client.simulate_get(WIDGETS, headers={**admin, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_pages_of_one_list_have_different_tags(client, admin, add_widgets):
    add_widgets(6)
    first = tag_of(client, WIDGETS + "?per_page=5", admin)
    assert first != tag_of(client, WIDGETS + "?page=2&per_page=5", admin)


def test_put_with_the_current_if_match_updates_and_sends_the_new_etag(client, admin, widget):
    tag = tag_of(client, widget, admin)
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": tag})
    assert response.status_code == 200
    assert response.headers["ETag"] == tag_of(client, widget, admin) != tag


def test_put_with_a_stale_if_match_answers_412_and_changes_nothing(client, admin, widget):
    stale = tag_of(client, widget, admin)
    client.simulate_put(widget, json=CHANGES, headers=admin)
    current = client.simulate_get(widget, headers=admin).json
    response = client.simulate_put(
        widget, json={"info_url": "https://lost.example.com/", "deadline": "2032-01-01"},
        headers={**admin, "If-Match": stale},
    )
    assert_envelope(response, 412)
    assert client.simulate_get(widget, headers=admin).json == current


def test_two_clients_updating_from_one_read_give_one_200_and_one_412(client, admin, widget):
    """The lost update: both read, both write with what they read; the second is refused."""
    tag = tag_of(client, widget, admin)
    first = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": tag})
    second = client.simulate_put(
        widget, json={**CHANGES, "info_url": "https://second.example.com/"},
        headers={**admin, "If-Match": tag},
    )
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.simulate_get(widget, headers=admin).json["info_url"] == CHANGES["info_url"]


def test_put_if_match_star_on_a_missing_widget_answers_412_and_creates_nothing(client, admin):
    response = client.simulate_put(item("absent"), json=CHANGES, headers={**admin, "If-Match": "*"})
    assert_envelope(response, 412)
    assert client.simulate_get(item("absent"), headers=admin).status_code == 404


def test_put_if_match_star_on_an_existing_widget_updates_it(client, admin, widget):
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": "*"})
    assert response.status_code == 200


def test_put_if_none_match_star_on_an_existing_widget_answers_412_and_changes_nothing(
    client, admin, widget
):
    tag = tag_of(client, widget, admin)
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-None-Match": "*"})
    assert_envelope(response, 412)
    assert tag_of(client, widget, admin) == tag


def test_put_if_none_match_star_creates_a_missing_widget(client, admin):
    response = client.simulate_put(item("brand-new"), json=CHANGES, headers={**admin, "If-None-Match": "*"})
    assert response.status_code == 201
    assert response.headers["ETag"] == tag_of(client, item("brand-new"), admin)


def test_a_weak_tag_never_satisfies_if_match(client, admin, widget):
    weak = "W/" + tag_of(client, widget, admin)
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": weak})
    assert_envelope(response, 412)


def test_if_match_naming_the_current_tag_among_others_is_satisfied(client, admin, widget):
    tags = f'"{"0" * 32}", {tag_of(client, widget, admin)}'
    assert client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": tags}).status_code == 200


def test_delete_with_a_stale_if_match_answers_412_and_keeps_the_widget(client, admin, widget):
    stale = tag_of(client, widget, admin)
    client.simulate_put(widget, json=CHANGES, headers=admin)
    assert_envelope(client.simulate_delete(widget, headers={**admin, "If-Match": stale}), 412)
    assert client.simulate_get(widget, headers=admin).status_code == 200


def test_delete_with_the_current_if_match_removes_the_widget(client, admin, widget):
    tag = tag_of(client, widget, admin)
    assert client.simulate_delete(widget, headers={**admin, "If-Match": tag}).status_code == 204
    assert client.simulate_get(widget, headers=admin).status_code == 404


def test_delete_with_if_match_of_a_missing_widget_answers_404(client, admin):
    response = client.simulate_delete(item("absent"), headers={**admin, "If-Match": "*"})
    assert_envelope(response, 404)


@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
def test_a_tag_list_with_characters_no_header_may_hold_answers_400_naming_it(client, admin, widget, header):
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, header: '"caf\u00e9"'})
    assert_envelope(response, 400)
    assert list(response.json["errors"]) == [header]


def test_an_if_match_naming_no_entity_tag_matches_nothing_and_answers_412(client, admin, widget):
    tag = tag_of(client, widget, admin)
    response = client.simulate_put(widget, json=CHANGES, headers={**admin, "If-Match": tag.strip('"')})
    assert_envelope(response, 412)
    assert tag_of(client, widget, admin) == tag


def test_an_if_none_match_naming_no_entity_tag_matches_nothing(client, admin, widget):
    tag = tag_of(client, widget, admin)
    response = client.simulate_get(widget, headers={**admin, "If-None-Match": tag.strip('"')})
    assert response.status_code == 200
