"""Specification of widget deadline parsing and UTC display."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.widgets.dates import (
    DeadlineError,
    display,
    iso8601,
    latest_deadline_day,
    parse_deadline,
    rfc822,
    time_remaining,
)

TODAY = dt.date(2026, 11, 24)
END_OF_2030 = dt.datetime(2030, 12, 31, 23, 59, 59)
MOMENT = dt.datetime(2026, 11, 24, 6, 24, 22)


@pytest.mark.parametrize(
    "text",
    [
        "12/31/2030",
        "2030-12-31",
        "Dec 31 2030",
        "31 December 2030",
        "2030/12/31",
        "December 31, 2030",
    ],
)
def test_parse_deadline_accepts_common_notations_as_end_of_that_day(text):
    assert parse_deadline(text, TODAY) == END_OF_2030


RENDERINGS = [display, iso8601, rfc822]


@pytest.mark.parametrize("render", RENDERINGS, ids=["display", "iso8601", "rfc822"])
def test_parse_deadline_reads_a_rendered_deadline_back_as_the_same_deadline(render):
    assert render(END_OF_2030) == {display: "12/31/30 11:59:59 PM UTC",
                                   iso8601: "2030-12-31T23:59:59+00:00",
                                   rfc822: "Tue, 31 Dec 2030 23:59:59 -0000"}[render]
    assert parse_deadline(render(END_OF_2030), TODAY) == END_OF_2030


@given(day=st.dates(min_value=TODAY, max_value=latest_deadline_day(TODAY)),
       render=st.sampled_from(RENDERINGS))
def test_every_deadline_the_service_can_store_reads_back_from_every_rendering(day, render):
    stored = parse_deadline(day.isoformat(), TODAY)
    assert parse_deadline(render(stored), TODAY) == stored


def test_parse_deadline_reads_the_end_of_a_utc_day_in_another_offset_as_that_day():
    assert parse_deadline("2031-01-01T00:59:59+01:00", TODAY) == END_OF_2030
    assert parse_deadline("2030-12-31T23:59:59Z", TODAY) == END_OF_2030


def test_parse_deadline_reads_two_digit_years_as_years_ahead():
    assert parse_deadline("12/31/99", TODAY) == dt.datetime(2099, 12, 31, 23, 59, 59)
    assert parse_deadline("12/31/99 11:59:59 PM UTC", TODAY) == parse_deadline("12/31/99", TODAY)


def test_parse_deadline_reads_a_passed_rendered_deadline_as_passed():
    passed = display(dt.datetime(2025, 12, 31, 23, 59, 59))

    with pytest.raises(DeadlineError, match="is in the past"):
        parse_deadline(passed, TODAY)


def test_parse_deadline_refuses_a_day_the_two_digit_display_year_cannot_tell_apart():
    assert latest_deadline_day(TODAY) == dt.date(2105, 12, 31)
    assert parse_deadline("12/31/2105", TODAY) == dt.datetime(2105, 12, 31, 23, 59, 59)
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("2106-01-01", TODAY)
    assert str(caught.value) == (
        "2106-01-01 is too far ahead: the deadline must be on or before 2105-12-31"
    )


@pytest.mark.parametrize(
    "text",
    [
        "12/31/30 11:59:58 PM UTC",
        "11/24/30 06:24:22 AM UTC",
        "2030-12-31T23:59:59+01:00",
        "2030-12-31T23:59:59.5+00:00",
        "Tue, 31 Dec 2030 23:59:00 -0000",
        "12/31/30 11:59:59 PM",
        "12/31/30 11:59:59 PM EST",
        "12/31/30 11:59:59 PM UTC+1",
    ],
    ids=["a-second-early", "created-at-form", "another-day-in-utc", "fraction", "rfc822-minute",
         "no-zone", "zone-name", "posix-offset"],
)
def test_parse_deadline_refuses_an_instant_other_than_the_end_of_a_utc_day(text):
    with pytest.raises(DeadlineError, match="is not a valid date"):
        parse_deadline(text, TODAY)


def test_parse_deadline_returns_naive_utc_with_whole_seconds():
    deadline = parse_deadline("2030-12-31", TODAY)

    assert deadline.tzinfo is None
    assert deadline.microsecond == 0


def test_parse_deadline_reads_ambiguous_numeric_dates_month_first():
    assert parse_deadline("01/02/2030", TODAY) == dt.datetime(2030, 1, 2, 23, 59, 59)


def test_parse_deadline_ignores_surrounding_whitespace():
    assert parse_deadline("  2030-12-31\n", TODAY) == END_OF_2030


def test_parse_deadline_accepts_today():
    assert parse_deadline("11/24/2026", TODAY) == dt.datetime(2026, 11, 24, 23, 59, 59)


def test_parse_deadline_refuses_yesterday_with_the_past_message():
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("11/23/2026", TODAY)

    assert str(caught.value) == (
        "11/23/2026 is in the past: the deadline must be today (2026-11-24) or later"
    )


def test_parse_deadline_names_the_bad_value_in_the_invalid_message():
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("tomorrow-ish", TODAY)

    assert str(caught.value) == (
        "tomorrow-ish is not a valid date: "
        "use a date such as 12/31/2030, 2030-12-31 or Dec 31 2030"
    )


def test_parse_deadline_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_deadline("tomorrow-ish", TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "2030-12-31 10:00",
        "2030-12-31 00:00",
        "2030-12-31T00",
        "12/31/2030 10h",
        "Dec 31 2030 10 pm",
        "2030-12-31T00:00:00+00:00",
        "2030-12-31 10:00 EST",
    ],
)
def test_parse_deadline_refuses_a_time_of_day(text):
    with pytest.raises(DeadlineError, match="is not a valid date"):
        parse_deadline(text, TODAY)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+00:01"])
def test_parse_deadline_refuses_an_instant_outside_the_calendar_in_utc(text):
    """In UTC these fall in year 10000 and year 0, which datetime cannot hold."""
    with pytest.raises(DeadlineError, match="is not a valid date: a deadline is a whole day"):
        parse_deadline(text, TODAY)


@pytest.mark.parametrize("text", ["Dec 2030", "2030", "December 31", "Monday", "12"])
def test_parse_deadline_refuses_an_incomplete_date(text):
    with pytest.raises(DeadlineError, match="is not a valid date"):
        parse_deadline(text, TODAY)


@pytest.mark.parametrize("text", ["", " ", "\t\n  "])
def test_parse_deadline_refuses_blank_text(text):
    with pytest.raises(DeadlineError, match="is not a valid date"):
        parse_deadline(text, TODAY)


def test_parse_deadline_refuses_overlong_text_even_when_it_holds_a_date():
    with pytest.raises(DeadlineError, match="is not a valid date"):
        parse_deadline("2030-12-31" + " " * 60, TODAY)


def test_parse_deadline_shortens_an_overlong_value_in_the_message():
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("x" * 10_000, TODAY)

    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "tomorrow-ish",
        "0",
        "99999999999999999999",
        "\x00",
        "2030-12-31\x00",
        "31/31/2030",
        "Feb 30 2030",
        "13/13/2030",
        "0000-00-00",
        "-1",
        "1e9",
        "Dec 31 99999",
        "２０３０-１２-３１",
        "2030-12-31 ☃",
    ],
)
def test_parse_deadline_raises_only_deadline_error_for_weird_input(text):
    with pytest.raises(DeadlineError):
        parse_deadline(text, TODAY)


def test_display_shows_us_date_twelve_hour_clock_and_utc():
    assert display(MOMENT) == "11/24/26 06:24:22 AM UTC"


def test_display_marks_afternoon_as_pm():
    assert display(dt.datetime(2026, 11, 24, 18, 5, 0)) == "11/24/26 06:05:00 PM UTC"


def test_iso8601_renders_rfc3339_with_utc_offset_and_whole_seconds():
    assert iso8601(MOMENT.replace(microsecond=123456)) == "2026-11-24T06:24:22+00:00"


def test_rfc822_renders_minus_zero_offset_for_naive_utc():
    assert rfc822(MOMENT) == "Tue, 24 Nov 2026 06:24:22 -0000"


def test_time_remaining_spells_out_every_unit_from_days_down():
    deadline = MOMENT + dt.timedelta(days=16, hours=5, minutes=3, seconds=2)

    assert time_remaining(deadline, MOMENT) == "16 days 5 hours 3 minutes 2 seconds"


def test_time_remaining_uses_singular_for_one_and_keeps_inner_zeros():
    deadline = MOMENT + dt.timedelta(days=1, seconds=5)

    assert time_remaining(deadline, MOMENT) == "1 day 0 hours 0 minutes 5 seconds"


def test_time_remaining_drops_leading_zero_units():
    deadline = MOMENT + dt.timedelta(minutes=1, seconds=1)

    assert time_remaining(deadline, MOMENT) == "1 minute 1 second"


def test_time_remaining_ignores_fractions_of_a_second():
    deadline = MOMENT + dt.timedelta(seconds=5, microseconds=900_000)

    assert time_remaining(deadline, MOMENT) == "5 seconds"


@pytest.mark.parametrize(
    "after",
    [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(days=400)],
)
def test_time_remaining_says_none_once_the_deadline_is_reached(after):
    assert time_remaining(MOMENT, MOMENT + after) == "No time remaining"


def test_time_remaining_says_none_when_under_a_second_is_left():
    now = MOMENT - dt.timedelta(microseconds=500_000)

    assert time_remaining(MOMENT, now) == "No time remaining"
