"""Widget deadlines: read a calendar date a person typed, show UTC instants back.

What the service shows, it reads back with the same meaning: a deadline in any
form it renders ("12/31/30 11:59:59 PM UTC", "2030-12-31T23:59:59+00:00", the
RFC 822 form) names the instant it is stored as, the last second of a UTC day.
The display form writes the year in two digits, so a two-digit year reads as
one of the hundred years starting TWO_DIGIT_YEARS_BACK before this one, and no
deadline may lie beyond that century.

Every datetime here is naive and means UTC, the way the database stores it.
"""

import datetime as dt
import email.utils
import functools
import re

from dateutil import parser

from service.clock import utc_today

MAX_DEADLINE_LENGTH = 64
INVALID_DATE_MESSAGE = (
    "{value} is not a valid date: use a date such as 12/31/2030, 2030-12-31 or Dec 31 2030"
)
PAST_DATE_MESSAGE = "{value} is in the past: the deadline must be today ({today}) or later"
TOO_LATE_MESSAGE = "{value} is too far ahead: the deadline must be on or before {latest}"
TIME_OF_DAY_MESSAGE = (
    "{value} is not a valid date: a deadline is a whole day; send a date such as 12/31/2030, "
    "or the day's last second in UTC as the service shows it (12/31/30 11:59:59 PM UTC)"
)
DISPLAY_FORMAT = "%m/%d/%y %I:%M:%S %p UTC"
NO_TIME_REMAINING = "No time remaining"
# Renderings are pure functions of the instant, and listings show the same widgets'
# instants again and again: each form is remembered for this many instants.
RENDERED_MOMENTS = 8192
COUNTDOWNS = 256  # countdowns remembered: one per deadline day shown within the same second
# Reading a date costs two dateutil parses (about 100 us), and a create or update reads its
# deadline twice (the spec's format check, then the store), while clients send few distinct
# dates: the day each text names is remembered, per year, for this many texts.
PARSED_TEXTS = 1024
# A passed deadline shown with a two-digit year still reads as passed for this many years.
TWO_DIGIT_YEARS_BACK = 20

_DATE_CHARACTERS = re.compile(r"[A-Za-z0-9 ,./:+-]+")
# "UTC+1" is read the POSIX way, as one hour *behind* UTC: refused rather than misread.
_ZONE_NAME_WITH_OFFSET = re.compile(r"(?i)\b(?:UTC|GMT|Z)\s*[+-]")
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

    @classmethod
    def too_late(cls, text: str, latest: dt.date) -> "DeadlineError":
        """Refuse a date the display form could not tell apart from one a century earlier."""
        shown = _shown(text)
        return cls(TOO_LATE_MESSAGE.format(value=shown, latest=latest.isoformat()), shown)

    @classmethod
    def time_of_day(cls, text: str) -> "DeadlineError":
        """Refuse a time that is not the end of a UTC day, the only instant a deadline can be."""
        shown = _shown(text)
        return cls(TIME_OF_DAY_MESSAGE.format(value=shown), shown)


def parse_deadline(text: str, today: dt.date) -> dt.datetime:
    """Turn a typed date (US month-first when ambiguous), or a deadline as the service
    renders it, into the last second of that UTC day."""
    day = _deadline_day(text, today.year)
    if day < today:
        raise DeadlineError.past(text, today)
    if day > latest_deadline_day(today):
        raise DeadlineError.too_late(text, latest_deadline_day(today))
    return dt.datetime.combine(day, _END_OF_DAY)


def latest_deadline_day(today: dt.date) -> dt.date:
    """The last day whose two-digit display year still reads back as itself."""
    return dt.date(today.year - TWO_DIGIT_YEARS_BACK + 99, 12, 31)


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
    return _countdown(int((_utc_naive(deadline) - _utc_naive(now)).total_seconds()))


@functools.lru_cache(maxsize=COUNTDOWNS)
def _countdown(seconds: int) -> str:
    """The countdown for `seconds` left; deadlines are ends of days, so the widgets of one
    listing mostly share a few."""
    if seconds <= 0:
        return NO_TIME_REMAINING
    return " ".join(_countdown_parts(seconds))


@functools.lru_cache(maxsize=PARSED_TEXTS)
def _deadline_day(text: str, this_year: int) -> dt.date:
    """The UTC day a deadline names: a whole date, or an instant that is the end of a UTC day."""
    if not _looks_like_date_text(text):
        raise DeadlineError.invalid(text)
    first, second = _parse_twice(text, this_year)
    if first.date() != second.date():  # the text left out the day, the month or the year
        raise DeadlineError.invalid(text)
    if _is_bare_date(first, _PROBE_A) and _is_bare_date(second, _PROBE_B):
        return first.date()
    if first == second and first.tzinfo is not None:  # every field given, the zone included
        try:
            moment = _utc_naive(first)
        except OverflowError:  # in UTC before year 1 or after 9999: not the end of a UTC day
            raise DeadlineError.time_of_day(text) from None
        if moment.time() == _END_OF_DAY:
            return moment.date()
    raise DeadlineError.time_of_day(text)


def _looks_like_date_text(text: str) -> bool:
    """Screen out blank, overlong, control characters and misleading zones before dateutil."""
    if not isinstance(text, str) or len(text) > MAX_DEADLINE_LENGTH or not text.strip():
        return False
    stripped = text.strip()
    return (
        _DATE_CHARACTERS.fullmatch(stripped) is not None
        and _ZONE_NAME_WITH_OFFSET.search(stripped) is None
    )


def _parse_twice(text: str, this_year: int) -> tuple[dt.datetime, dt.datetime]:
    """Parse against two unlike defaults so any field the text left out shows up as a mismatch."""
    try:
        return _parse(text, _PROBE_A, this_year), _parse(text, _PROBE_B, this_year)
    except _PARSE_FAILURES as error:
        raise DeadlineError.invalid(text) from error


def _parse(text: str, default: dt.datetime, this_year: int) -> dt.datetime:
    """Read one date with dateutil, month-first so 01/02/2030 is January 2."""
    return parser.parse(
        text, parserinfo=_notation(this_year), default=default, tzinfos=_offset_zones_only
    )


@functools.lru_cache(maxsize=4)
def _notation(this_year: int) -> parser.parserinfo:
    return _DeadlineNotation(this_year)


class _DeadlineNotation(parser.parserinfo):
    """dateutil's notation, month first, reading two-digit years forwards.

    dateutil reads "12/31/99" as 1999 (within 50 years of now); a deadline lies
    ahead and the display form writes 2099 as "99", so two-digit years mean one
    of the hundred years from TWO_DIGIT_YEARS_BACK before `this_year` on.
    """

    def __init__(self, this_year: int):
        super().__init__(dayfirst=False, yearfirst=False)
        self.first_year = this_year - TWO_DIGIT_YEARS_BACK

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year >= 100 or century_specified:
            return year
        return self.first_year + (year - self.first_year) % 100


def _offset_zones_only(name: str | None, offset: int | None) -> dt.tzinfo | None:
    """Keep a zone given as an offset (UTC, GMT and Z are offset 0); refuse zone names such as
    EST, which are ambiguous, rather than let dateutil warn and drop them."""
    if offset is not None:
        return dt.timezone(dt.timedelta(seconds=offset))
    if name is None:
        return None
    raise ValueError(f"unknown time zone {name}")


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


def check_future_date(value) -> None:
    """Check the spec's `future-date` format; other types are the `type` keyword's business."""
    if isinstance(value, str):
        parse_deadline(value, utc_today())
