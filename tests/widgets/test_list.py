"""GET /api/v1/widgets: pages, links and their headers."""

import pytest
from playhouse.test_utils import count_queries

from tests.support.inprocess import assert_envelope
from tests.support.widgets import WIDGETS

PREFIX = "http://falconframework.org"


def page_of(client, headers, **params):
    return client.simulate_get(WIDGETS, params=params, headers=headers)


def test_seven_widgets_page_one_of_five(client, user, add_widgets):
    add_widgets(7)
    body = page_of(client, user, page=1, per_page=5).json
    assert body["links"] == {
        "self": "/api/v1/widgets?page=1&per_page=5",
        "first": "/api/v1/widgets?page=1&per_page=5",
        "next": "/api/v1/widgets?page=2&per_page=5",
        "last": "/api/v1/widgets?page=2&per_page=5",
    }
    assert (body["has_prev"], body["has_next"]) == (False, True)
    assert (body["page"], body["total_pages"], body["items_per_page"], body["total_items"]) == (1, 2, 5, 7)
    assert [w["name"] for w in body["items"]] == [f"widget-{i}" for i in range(1, 6)]


def test_seven_widgets_page_two_of_five(client, user, add_widgets):
    add_widgets(7)
    body = page_of(client, user, page=2, per_page=5).json
    assert body["links"] == {
        "self": "/api/v1/widgets?page=2&per_page=5",
        "first": "/api/v1/widgets?page=1&per_page=5",
        "prev": "/api/v1/widgets?page=1&per_page=5",
        "last": "/api/v1/widgets?page=2&per_page=5",
    }
    assert (body["has_prev"], body["has_next"]) == (True, False)
    assert (body["page"], body["total_pages"], body["items_per_page"], body["total_items"]) == (2, 2, 5, 7)
    assert [w["name"] for w in body["items"]] == ["widget-6", "widget-7"]


def test_seven_widgets_fit_on_one_page_of_ten(client, user, add_widgets):
    add_widgets(7)
    body = page_of(client, user, per_page=10).json
    assert (body["total_pages"], body["has_next"], len(body["items"])) == (1, False, 7)
    assert "next" not in body["links"] and "prev" not in body["links"]


def test_list_defaults_to_page_one_of_ten(client, user, add_widgets):
    add_widgets(7)
    body = page_of(client, user).json
    assert (body["page"], body["items_per_page"]) == (1, 10)
    assert body["links"]["self"] == "/api/v1/widgets?page=1&per_page=10"


def test_list_is_oldest_first(client, user, add_widgets):
    names = add_widgets(3)
    assert [w["name"] for w in page_of(client, user).json["items"]] == names


def test_list_sends_link_and_total_count_headers(client, user, add_widgets):
    add_widgets(7)
    response = page_of(client, user, page=2, per_page=5)
    assert response.headers["Total-Count"] == "7"
    assert response.headers["Link"] == ", ".join([
        f'<{PREFIX}/api/v1/widgets?page=2&per_page=5>; rel="self"',
        f'<{PREFIX}/api/v1/widgets?page=1&per_page=5>; rel="first"',
        f'<{PREFIX}/api/v1/widgets?page=1&per_page=5>; rel="prev"',
        f'<{PREFIX}/api/v1/widgets?page=2&per_page=5>; rel="last"',
    ])


def test_page_past_the_end_is_an_empty_200(client, user, add_widgets):
    add_widgets(2)
    response = page_of(client, user, page=9, per_page=5)
    assert response.status_code == 200
    assert response.json["items"] == []
    assert response.json["total_items"] == 2


def test_empty_list_has_one_empty_page(client, user):
    body = page_of(client, user).json
    assert (body["total_items"], body["total_pages"], body["items"]) == (0, 1, [])


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"per_page": 7}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"per_page": 1000}, "per_page"),
    ],
)
def test_bad_page_or_per_page_is_400_naming_it(client, user, params, field):
    response = page_of(client, user, **params)
    assert_envelope(response, 400, "Input payload validation failed")
    assert list(response.json["errors"]) == [field]
    assert response.json["errors"][field].startswith(str(params[field]))


def test_bad_page_and_per_page_are_reported_together(client, user):
    response = page_of(client, user, page=0, per_page=3)
    assert set(response.json["errors"]) == {"page", "per_page"}


@pytest.mark.parametrize("per_page", [5, 100])
def test_list_costs_the_same_queries_whatever_the_page_size(client, user, add_widgets, per_page):
    """Owners are joined in, not fetched one query per widget."""
    add_widgets(12)
    with count_queries() as counter:
        response = page_of(client, user, per_page=per_page)
    assert len(response.json["items"]) == min(per_page, 12)
    assert counter.count == 2  # token holder and revocation; the count with the page and owners


def test_list_reads_the_count_and_the_page_in_one_statement(client, user, add_widgets):
    """One statement sees one snapshot: the count cannot disagree with the page beside it."""
    add_widgets(3)
    page_of(client, user, per_page=5)  # the first run on a connection may prepare its statements
    with count_queries() as counter:
        page_of(client, user, per_page=5)
    assert len(counter.get_queries()) == 2  # the token's check, then the count and the page


@pytest.mark.parametrize("page", [3, 1000000000])
def test_page_past_the_end_reports_the_total_in_body_and_headers(client, user, add_widgets, page):
    add_widgets(6)
    response = page_of(client, user, page=page, per_page=5)
    assert response.json["items"] == []
    assert (response.json["total_items"], response.json["total_pages"]) == (6, 2)
    assert response.headers["Total-Count"] == "6"
