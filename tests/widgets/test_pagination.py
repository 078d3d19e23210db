"""Specification of widget list paging and its links."""

import pytest

from service.widgets.pagination import Page, offset_of

PATH = "/api/widgets"


def test_first_of_two_pages_has_next_and_no_prev():
    page = Page(1, 5, 7)

    assert (page.total_pages, page.has_prev, page.has_next) == (2, False, True)


def test_last_of_two_pages_has_prev_and_no_next():
    page = Page(2, 5, 7)

    assert (page.total_pages, page.has_prev, page.has_next) == (2, True, False)


def test_one_page_holds_every_item_when_per_page_exceeds_total():
    page = Page(1, 10, 7)

    assert (page.total_pages, page.has_prev, page.has_next) == (1, False, False)


def test_exact_multiple_fills_pages_without_an_extra_one():
    assert Page(1, 5, 10).total_pages == 2


def test_empty_listing_still_has_one_page():
    page = Page(1, 5, 0)

    assert (page.total_pages, page.has_prev, page.has_next) == (1, False, False)


@pytest.mark.parametrize(("number", "offset"), [(1, 0), (2, 5), (3, 10)])
def test_offset_skips_the_items_of_earlier_pages(number, offset):
    assert offset_of(number, 5) == offset


def test_page_of_keeps_what_it_was_given():
    page = Page(2, 5, 7)

    assert (page.page, page.per_page, page.total_items) == (2, 5, 7)


def test_page_is_immutable():
    page = Page(1, 5, 7)

    with pytest.raises(AttributeError):
        page.page = 2


@pytest.mark.parametrize(("number", "per_page", "total"), [(0, 5, 7), (1, 0, 7), (1, 5, -1)])
def test_page_refuses_impossible_positions(number, per_page, total):
    with pytest.raises(ValueError):
        Page(number, per_page, total)


def test_links_on_first_page_omit_prev():
    assert Page(1, 5, 7).links(PATH) == {
        "self": "/api/widgets?page=1&per_page=5",
        "first": "/api/widgets?page=1&per_page=5",
        "next": "/api/widgets?page=2&per_page=5",
        "last": "/api/widgets?page=2&per_page=5",
    }


def test_links_on_last_page_omit_next():
    assert Page(2, 5, 7).links(PATH) == {
        "self": "/api/widgets?page=2&per_page=5",
        "first": "/api/widgets?page=1&per_page=5",
        "prev": "/api/widgets?page=1&per_page=5",
        "last": "/api/widgets?page=2&per_page=5",
    }


def test_links_on_a_middle_page_include_prev_and_next():
    links = Page(2, 5, 12).links(PATH)

    assert (links["prev"], links["next"]) == (
        "/api/widgets?page=1&per_page=5",
        "/api/widgets?page=3&per_page=5",
    )


def test_links_for_an_empty_listing_point_first_and_last_at_page_one():
    assert Page(1, 10, 0).links(PATH) == {
        "self": "/api/widgets?page=1&per_page=10",
        "first": "/api/widgets?page=1&per_page=10",
        "last": "/api/widgets?page=1&per_page=10",
    }


def test_page_past_the_end_has_prev_and_no_next():
    page = Page(5, 5, 7)

    assert (page.has_prev, page.has_next) == (True, False)


def test_links_past_the_end_point_prev_at_the_page_before():
    assert Page(5, 5, 7).links(PATH) == {
        "self": "/api/widgets?page=5&per_page=5",
        "first": "/api/widgets?page=1&per_page=5",
        "prev": "/api/widgets?page=4&per_page=5",
        "last": "/api/widgets?page=2&per_page=5",
    }


def test_links_keep_self_first_prev_next_last_order():
    assert list(Page(2, 5, 12).links(PATH)) == ["self", "first", "prev", "next", "last"]


def test_link_header_joins_absolute_links_with_their_relations():
    header = Page(1, 5, 7).link_header("http://localhost:8000", PATH)

    assert header == (
        '<http://localhost:8000/api/widgets?page=1&per_page=5>; rel="self", '
        '<http://localhost:8000/api/widgets?page=1&per_page=5>; rel="first", '
        '<http://localhost:8000/api/widgets?page=2&per_page=5>; rel="next", '
        '<http://localhost:8000/api/widgets?page=2&per_page=5>; rel="last"'
    )


def test_link_header_lists_relations_in_self_first_prev_next_last_order():
    header = Page(2, 5, 12).link_header("", PATH)

    rels = [part.split('rel="')[1].rstrip('"') for part in header.split(", ")]
    assert rels == ["self", "first", "prev", "next", "last"]


def test_link_header_with_empty_base_url_uses_relative_links():
    header = Page(1, 10, 0).link_header("", PATH)

    assert header.startswith('</api/widgets?page=1&per_page=10>; rel="self"')
