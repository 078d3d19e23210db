"""Brute-force limits kept in the database, so every worker and host shares them.

Two counters, each a fixed window that opens with its first hit:
- per account: failed logins; past LOGIN_MAX_FAILURES in the window every login
  for that email answers 429 until the window ends, the right password included;
- per client address: every register and login attempt, past AUTH_RATE_LIMIT.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import Case

from service.db.models import AuthThrottle, db, utcnow
from service.errors import ApiError

ACCOUNT_LOCKED = "Too many failed logins for this account. Please try again later."
ADDRESS_LIMITED = "Too many attempts from this address. Please try again later."


class TooManyRequests(ApiError):
    """A 429 whose Retry-After tells when the limit lifts."""

    status = 429
    default_message = "Too many requests. Please try again later."

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})


@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int


class Throttle:
    """The limits of login and registration, configured once."""

    def __init__(self, account_limit: Limit, address_limit: Limit | None):
        self.account_limit = account_limit
        self.address_limit = address_limit

    @classmethod
    def from_settings(cls, settings) -> "Throttle":
        address = settings.auth_rate_limit
        return cls(
            Limit(settings.login_max_failures, settings.login_failure_window_seconds),
            Limit(*address) if address else None,
        )

    def attempt(self, address: str) -> None:
        """Count an attempt from a client address; refuse it past the address limit."""
        if self.address_limit is None:
            return
        now = utcnow()
        row = hit(f"address:{address}", self.address_limit.seconds, now)
        if row.hits > self.address_limit.hits:
            raise TooManyRequests(ADDRESS_LIMITED, seconds_until(row.window_ends_at, now))

    def check_account(self, email: str) -> None:
        """Refuse every login for an account locked by failures, whatever the password."""
        now = utcnow()
        row = AuthThrottle.get_or_none(AuthThrottle.key == account_key(email))
        if row and row.hits >= self.account_limit.hits and row.window_ends_at > now:
            raise TooManyRequests(ACCOUNT_LOCKED, seconds_until(row.window_ends_at, now))

    def failed(self, email: str) -> None:
        hit(account_key(email), self.account_limit.seconds, utcnow())

    def succeeded(self, email: str) -> None:
        """Forget an account's failures, and counters whose windows have ended."""
        AuthThrottle.delete().where(
            (AuthThrottle.key == account_key(email)) | (AuthThrottle.window_ends_at <= utcnow())
        ).execute()


def account_key(email: str) -> str:
    """Key an account by a hash of its normalised email: the table holds no addresses of people."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"account:{digest}"


def hit(key: str, seconds: int, now: datetime) -> AuthThrottle:
    """Add one hit to a key's window (opening a new window once the old one ended); return the row."""
    ends = now + timedelta(seconds=seconds)
    ended = AuthThrottle.window_ends_at <= now
    with db.atomic():
        AuthThrottle.insert(key=key, hits=1, window_ends_at=ends).on_conflict(
            conflict_target=[AuthThrottle.key],
            update={
                AuthThrottle.hits: Case(None, [(ended, 1)], AuthThrottle.hits + 1),
                AuthThrottle.window_ends_at: Case(None, [(ended, ends)], AuthThrottle.window_ends_at),
            },
        ).execute()
        return AuthThrottle.get(AuthThrottle.key == key)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds to wait, rounded up and at least 1, as Retry-After wants."""
    return max(1, math.ceil((moment - now).total_seconds()))
