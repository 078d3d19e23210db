"""The service's one clock: every reading of the time goes through it, so tests can set it."""

import datetime as dt


class Clock:
    """Now, in UTC; frozen at a moment for a test, running otherwise."""

    def __init__(self):
        self._frozen: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware UTC."""
        return self._frozen or dt.datetime.now(dt.UTC)

    def freeze(self, moment: dt.datetime) -> None:
        """Stop at `moment` (naive values are taken as UTC) until `run()`."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        self._frozen = aware.astimezone(dt.UTC)

    def run(self) -> None:
        """Follow the system clock again."""
        self._frozen = None


clock = Clock()


def utcnow() -> dt.datetime:
    """Now as the database stores times: naive UTC."""
    return clock.now().replace(tzinfo=None)


def utc_today() -> dt.date:
    """Today's date in UTC, the calendar deadlines are judged against."""
    return clock.now().date()


def unix_now() -> int:
    """Now in whole seconds since the epoch, as token claims count."""
    return int(clock.now().timestamp())
