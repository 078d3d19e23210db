"""Brute-force limits kept in the database, so every worker and host shares them.

Three counters, each a fixed window that opens with its first hit:
- per account and client address: failed logins, LOGIN_MAX_FAILURES in
  LOGIN_FAILURE_WINDOW_SECONDS; past it that address gets 429 for that account
  (the right password included), while every other address still logs in;
- per account across all addresses: failed logins, ACCOUNT_CEILING_FACTOR times
  that limit; past it each address keeps a single attempt for the account until
  the window ends, so a distributed guesser needs a fresh address per guess
  while the owner, from any address that has not failed, still logs in;
- per client address: every register and login attempt, past AUTH_RATE_LIMIT;
  the anonymous mail operations (verify, resend, reset, reset confirm) count here too;
- per email address: every mail asked for it (register when verification is
  mandatory, resend, reset, an address change's new address), LOGIN_MAX_FAILURES in
  LOGIN_FAILURE_WINDOW_SECONDS, whether or not an account has the address, so the
  limit tells nothing of which addresses exist and nobody can flood a mailbox.

A login reserves its attempt on both failure counters (one atomic increment
each, in the statement that counts it on its address) before the password is
verified, and gives it back on success: racing
requests can never verify more passwords than the limits allow. A counter that
cannot be written refuses the login (503): no password is verified uncounted.
docs/security.md states the bounds.
"""

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee
from peewee import SQL, Case, fn

from service.auth.emails import normalise_email
from service.auth.writes import must_write
from service.clock import utcnow
from service.db.purging import delete_in_batches
from service.db.models import AuthThrottle, db
from service.errors import TooManyRequests

log = logging.getLogger(__name__)

ACCOUNT_LOCKED = "Too many failed logins for this account."
ADDRESS_LIMITED = "Too many attempts from this address."
MAILS_LIMITED = "Too many mails asked for this address."
ACCOUNT_CEILING_FACTOR = 10  # failures per window across all addresses, in LOGIN_MAX_FAILURES
ADDRESS_POLICY = "address"  # the quota's name in the RateLimit headers


def refusal(reason: str, seconds: int) -> TooManyRequests:
    """A 429 whose message says when to try again, as its Retry-After does for clients."""
    wait = "1 second" if seconds == 1 else f"{seconds} seconds"
    return TooManyRequests(f"{reason} Please try again in {wait}.", seconds)


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
        quota = self._quota(row, now)
        if row.hits > limit.hits:
            raise _with_quota(refusal(ADDRESS_LIMITED, quota.reset), quota)
        return quota

    def count_mail(self, email: str) -> int | None:
        """Count a mail asked for `email`; past the limit, the seconds until it lifts, else None.

        It runs inside the caller's write transaction, which it does not end: the
        request's work is the same whether it is refused or not.
        """
        now, limit = utcnow(), self.account_limit
        row = hit(mail_key(email), limit.seconds, now)
        return seconds_until(row.window_ends_at, now) if row.hits > limit.hits else None

    def reserve_login(self, email: str, address: str, count_address: bool = False) -> "Reservation":
        """Count a login attempt as a failure before its password is verified; refuse it past a limit.

        An address that has failed for this account gets LOGIN_MAX_FAILURES
        attempts per window, a single one once the account's ceiling is
        reached; an address that has not failed always gets its attempt.
        With `count_address`, the attempt counts on the address limit too
        (attempt()), in the same statement; its quota comes with the reservation,
        and a refusal carries it.
        """
        now, limit = utcnow(), self.account_limit
        pair, account = pair_key(email, address), account_key(email)
        keys = {pair: limit.seconds, account: limit.seconds}
        address_limit = self.address_limit if count_address else None
        if address_limit is not None:
            keys = {f"address:{address}": address_limit.seconds, **keys}
        rows = hit_many(keys, now)
        reservation = Reservation(rows[pair], rows[account])
        quota = None
        if address_limit is not None:
            quota = self._quota(rows[f"address:{address}"], now)
            if rows[f"address:{address}"].hits > address_limit.hits:
                give_back(reservation.pair, reservation.account)
                raise _with_quota(refusal(ADDRESS_LIMITED, quota.reset), quota)
        try:
            return self._check(reservation, now, quota)
        except TooManyRequests as refused:
            raise _with_quota(refused, quota) from None

    def _quota(self, row: AuthThrottle, now: datetime) -> Quota:
        limit = self.address_limit
        return Quota(limit.hits, limit.seconds, max(0, limit.hits - row.hits),
                     seconds_until(row.window_ends_at, now))

    def _check(self, reservation: "Reservation", now: datetime, quota: Quota | None) -> "Reservation":
        """The reservation, or the refusal of its attempt: past the pair's limit (the account
        given back, the pair keeps counting), or past the account's ceiling (both given back)."""
        pair, account, limit = reservation.pair, reservation.account, self.account_limit
        if pair.hits > limit.hits:
            give_back(account)
            raise refusal(ACCOUNT_LOCKED, seconds_until(pair.window_ends_at, now))
        if pair.hits > 1 and account.hits > limit.hits * ACCOUNT_CEILING_FACTOR:
            give_back(pair, account)
            lifts = min(pair.window_ends_at, account.window_ends_at)
            raise refusal(ACCOUNT_LOCKED, seconds_until(lifts, now))
        return Reservation(pair, account, quota)

    def succeed_at_commit(self, reservation: "Reservation") -> list:
        """succeeded(), with the commit of the session the right password starts: on
        PostgreSQL, its statement for `run_together(..., with_commit=...)`, one round trip
        fewer; elsewhere it is done now and there is nothing to send."""
        if isinstance(db.obj, peewee.PostgresqlDatabase):
            return [_succeeded_query(reservation, utcnow())]
        self.succeeded(reservation)
        return []

    def succeeded(self, reservation: "Reservation") -> None:
        """Forget this address's failures, give back the account's reservation, drop ended counters.

        Best effort: the password is verified by now, and answering otherwise
        than a plain success would tell a guesser it was right. On PostgreSQL one
        statement does it all.
        """
        try:
            if isinstance(db.obj, peewee.PostgresqlDatabase):
                _succeeded_at_once(reservation, utcnow())
                return
            with db.atomic():
                AuthThrottle.delete().where(
                    (AuthThrottle.key == reservation.pair.key) | (AuthThrottle.window_ends_at <= utcnow())
                ).execute()
                give_back(reservation.account)
        except peewee.DatabaseError as error:
            log.warning("cannot give back a login reservation: %s", error)


def _succeeded_at_once(reservation: "Reservation", now: datetime) -> None:
    _succeeded_query(reservation, now).execute()


def _succeeded_query(reservation: "Reservation", now: datetime):
    """succeeded() on PostgreSQL, one statement: delete the pair's counter, then (the deletion
    is the update's subquery, so it runs first) give back the account's. Rows lock in the
    order every hit locks them, pair before account; ended counters another statement holds
    are left to a later success or the purge rather than waited for."""
    ended = (
        AuthThrottle.select(AuthThrottle.id)
        .where((AuthThrottle.window_ends_at <= now) & (AuthThrottle.key != reservation.account.key))
        .for_update("FOR UPDATE SKIP LOCKED")
    )
    forgotten = AuthThrottle.delete().where(
        (AuthThrottle.key == reservation.pair.key) | AuthThrottle.id.in_(ended)
    ).returning(AuthThrottle.id).cte("forgotten")
    first = peewee.Select((forgotten,), [fn.COUNT(SQL("*"))]) >= 0
    return _give_back_query(reservation.account).where(first).with_cte(forgotten)


@dataclass(frozen=True)
class Reservation:
    """The counters a login attempt was counted on, as they stood after counting it."""

    pair: AuthThrottle
    account: AuthThrottle
    quota: Quota | None = None  # what is left of the address's budget, when it was counted too


def _with_quota(refused: TooManyRequests, quota: Quota | None) -> TooManyRequests:
    if quota is not None:
        refused.headers.update(quota.headers())
    return refused


def account_key(email: str) -> str:
    """Key an account by a hash of its normalised email: the table holds no addresses of people."""
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()
    return f"account:{digest}"


def mail_key(email: str) -> str:
    """Key the mails asked for an address by a hash of it, whether or not an account has it."""
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()
    return f"mail:{digest}"


def pair_key(email: str, address: str) -> str:
    """Key an account at one client address by a hash of both."""
    digest = hashlib.sha256(f"{normalise_email(email)}\x00{address}".encode()).hexdigest()
    return f"login:{digest}"


def hit(key: str, seconds: int, now: datetime) -> AuthThrottle:
    """Add one hit to a key's window (opening a new window once the old one ended); return the row.

    A hit that cannot be written refuses the request (503) rather than go uncounted.
    """
    return hit_many({key: seconds}, now)[key]


def hit_many(keys: dict, now: datetime) -> dict:
    """Hit every key (-> its window's seconds) in one statement; return key -> its row as counted.

    One upsert, atomic by itself, writing its rows in the order given: callers name
    their kinds of key in one order (address, pair, account), so two of them lock the
    rows they share in the same order.
    """
    ended = AuthThrottle.window_ends_at <= now
    rows = [{"key": key, "hits": 1, "window_ends_at": now + timedelta(seconds=seconds)}
            for key, seconds in keys.items()]
    with must_write("an auth throttle counter"):
        cursor = AuthThrottle.insert_many(rows).on_conflict(
            conflict_target=[AuthThrottle.key],
            update={
                AuthThrottle.hits: Case(None, [(ended, 1)], AuthThrottle.hits + 1),
                AuthThrottle.window_ends_at: Case(None, [(ended, peewee.EXCLUDED.window_ends_at)], AuthThrottle.window_ends_at),
            },
        ).returning(AuthThrottle.key, AuthThrottle.hits, AuthThrottle.window_ends_at).objects().execute()
        return {row.key: row for row in cursor}


def give_back(*rows: AuthThrottle) -> None:
    """Take back one hit counted in each row's window; a window that has since ended is left alone."""
    with must_write("an auth throttle counter"):
        for row in rows:
            _give_back_query(row).execute()


def _give_back_query(row: AuthThrottle):
    return AuthThrottle.update(hits=AuthThrottle.hits - 1).where(
        (AuthThrottle.key == row.key)
        & (AuthThrottle.window_ends_at == row.window_ends_at)
        & (AuthThrottle.hits > 0)
    )


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds to wait, rounded up and at least 1, as Retry-After wants."""
    return max(1, math.ceil((moment - now).total_seconds()))


def purge_ended() -> int:
    """Delete counters whose window has ended (a new hit would start afresh); return how many."""
    with must_write("the purge of throttle counters"):
        return delete_in_batches(AuthThrottle, AuthThrottle.window_ends_at <= utcnow())
