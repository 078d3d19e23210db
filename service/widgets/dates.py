"""Widget deadlines: read a calendar date a person typed, show UTC instants back.

Every datetime here is naive and means UTC, the way the database stores it.
"""

import datetime as dt
import email.utils
import functools
import re

from dateutil import parser

MAX_DEADLINE_LENGTH = 64
INVALID_DATE_MESSAGE = (
    "{value} is not a valid date: use a date such as 12/31/2030, 2030-12-31 or Dec 31 2030"
)
PAST_DATE_MESSAGE = "{value} is in the past: the deadline must be today ({today}) or later"
DISPLAY_FORMAT = "%m/%d/%y %I:%M:%S %p UTC"
NO_TIME_REMAINING = "No time remaining"
# Renderings are pure functions of the instant, and listings show the same widgets'
# instants again and again: each form is remembered for this many instants.
RENDERED_MOMENTS = 8192

_DATE_CHARACTERS = re.compile(r"[A-Za-z0-9 ,./-]+")
_END_OF_DAY = dt.time(23, 59, 59)
_PROBE_A = dt.datetime(2001, 1, 1, 0, 0, 0, 0)
_PROBE_B = dt.datetime(2002, 2, 2, 1, 1, 1, 1)
_PARSE_FAILURES = (ValueError, OverflowError, TypeError)
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


class DeadlineError(ValueError):
    """A deadline the client sent that cannot be used; `str()` is safe to show them."""

    def __init__(self, message: str, value: str):
        super().__init__(message)
        self.value = value

    @classmethod
    def invalid(cls, text: str) -> "DeadlineError":
        """Refuse text that is not a calendar date, saying which forms are accepted."""
        shown = _shown(text)
        return cls(INVALID_DATE_MESSAGE.format(value=shown), shown)

    @classmethod
    def past(cls, text: str, today: dt.date) -> "DeadlineError":
        """Refuse a date before today, saying which day is the earliest allowed."""
        shown = _shown(text)
        return cls(PAST_DATE_MESSAGE.format(value=shown, today=today.isoformat()), shown)


def parse_deadline(text: str, today: dt.date) -> dt.datetime:
    """Turn a typed date (US month-first when ambiguous) into the last second of that UTC day."""
    day = _calendar_date(text)
    if day < today:
        raise DeadlineError.past(text, today)
    return dt.datetime.combine(day, _END_OF_DAY)


@functools.lru_cache(maxsize=RENDERED_MOMENTS)
def display(moment: dt.datetime) -> str:
    """Render an instant for people, e.g. "11/24/26 06:24:22 AM UTC"."""
    return _utc_naive(moment).strftime(DISPLAY_FORMAT)


@functools.lru_cache(maxsize=RENDERED_MOMENTS)
def iso8601(moment: dt.datetime) -> str:
    """Render an instant for machines as RFC 3339, e.g. "2026-11-24T06:24:22+00:00"."""
    return _utc_naive(moment).replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=RENDERED_MOMENTS)
def rfc822(moment: dt.datetime) -> str:
    """Render an instant for feeds and mail headers, e.g. "Tue, 24 Nov 2026 06:24:22 -0000"."""
    return email.utils.format_datetime(_utc_naive(moment).replace(microsecond=0))


def time_remaining(deadline: dt.datetime, now: dt.datetime) -> str:
    """Describe the whole seconds left before `deadline` as a countdown.

    Leading zero units are dropped and the rest kept, with singular names for 1:
    "16 days 5 hours 3 minutes 2 seconds", "1 day 0 hours 0 minutes 5 seconds",
    "5 seconds". Once less than one whole second is left, including any `now` at
    or after `deadline`, the answer is exactly "No time remaining".
    """
    seconds = int((_utc_naive(deadline) - _utc_naive(now)).total_seconds())
    if seconds <= 0:
        return NO_TIME_REMAINING
    return " ".join(_countdown_parts(seconds))


def _calendar_date(text: str) -> dt.date:
    """Accept only text that names a whole date and nothing finer or coarser."""
    if not _looks_like_date_text(text):
        raise DeadlineError.invalid(text)
    first, second = _parse_twice(text)
    bare = _is_bare_date(first, _PROBE_A) and _is_bare_date(second, _PROBE_B)
    if not bare or first.date() != second.date():
        raise DeadlineError.invalid(text)
    return first.date()


def _looks_like_date_text(text: str) -> bool:
    """Screen out blank, overlong and control or zone characters before dateutil sees them."""
    if not isinstance(text, str) or len(text) > MAX_DEADLINE_LENGTH or not text.strip():
        return False
    return _DATE_CHARACTERS.fullmatch(text.strip()) is not None


def _parse_twice(text: str) -> tuple[dt.datetime, dt.datetime]:
    """Parse against two unlike defaults so any field the text left out shows up as a mismatch."""
    try:
        return _parse(text, _PROBE_A), _parse(text, _PROBE_B)
    except _PARSE_FAILURES as error:
        raise DeadlineError.invalid(text) from error


def _parse(text: str, default: dt.datetime) -> dt.datetime:
    """Read one date with dateutil, month-first so 01/02/2030 is January 2."""
    return parser.parse(
        text, default=default, dayfirst=False, yearfirst=False, tzinfos=_any_zone_as_utc
    )


def _any_zone_as_utc(name: str | None, offset: int | None) -> dt.tzinfo | None:
    """Make any zone the text names come back aware, so it is refused instead of warned about."""
    if name is None and offset is None:
        return None
    return dt.timezone.utc


def _is_bare_date(parsed: dt.datetime, default: dt.datetime) -> bool:
    """Tell whether the text gave no time of day and no zone, so the default's time survived."""
    return parsed.tzinfo is None and parsed.time() == default.time()


def _countdown_parts(seconds: int) -> list[str]:
    """Split seconds into unit phrases, starting at the largest non-zero unit."""
    parts = []
    for name, size in _UNITS:
        amount, seconds = divmod(seconds, size)
        if parts or amount:
            parts.append(f"{amount} {name}" if amount == 1 else f"{amount} {name}s")
    return parts


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    """Treat naive values as UTC and convert aware ones, so callers may pass either."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _shown(text: str) -> str:
    """Quote the client's value back briefly, so an overlong one cannot flood the message."""
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        return '""'
    if len(value) > MAX_DEADLINE_LENGTH:
        return value[:MAX_DEADLINE_LENGTH] + "..."
    return value


def utc_today() -> dt.date:
    """Today's date in UTC, the calendar deadlines are judged against."""
    return dt.datetime.now(dt.timezone.utc).date()


def check_future_date(value) -> None:
    """Check the spec's `future-date` format; other types are the `type` keyword's business."""
    if isinstance(value, str):
        parse_deadline(value, utc_today())
