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
ADDRESS_POLICY = "address"  # the quota's name in the RateLimit headers


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


@dataclass(frozen=True)
class Quota:
    """What is left of a client address's budget after an attempt."""

    limit: int
    window: int
    remaining: int
    reset: int

    def headers(self) -> dict:
        """The quota as the IETF httpapi RateLimit header fields draft writes it."""
        return {
            "RateLimit-Policy": f'"{ADDRESS_POLICY}";q={self.limit};w={self.window}',
            "RateLimit": f'"{ADDRESS_POLICY}";r={self.remaining};t={self.reset}',
        }


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

    def attempt(self, address: str) -> Quota | None:
        """Count an attempt from a client address and return what is left of its quota.

        Past the limit the attempt is refused with a 429 that shows the spent quota;
        without an address limit there is no quota to show (None).
        """
        limit = self.address_limit
        if limit is None:
            return None
        now = utcnow()
        row = hit(f"address:{address}", limit.seconds, now)
        reset = seconds_until(row.window_ends_at, now)
        quota = Quota(limit.hits, limit.seconds, max(0, limit.hits - row.hits), reset)
        if row.hits > limit.hits:
            refused = TooManyRequests(ADDRESS_LIMITED, reset)
            refused.headers.update(quota.headers())
            raise refused
        return quota

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
