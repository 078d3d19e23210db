"""Accounts by email: verified addresses, password reset, address change.

Every mail is queued in the transaction of the change it tells of (the outbox,
service/mail/outbox.py). The anonymous operations (resend, reset, and register
when verification is mandatory) run the same statements whether the address
exists or not, so neither their answer nor their time tells which.
"""

from collections.abc import Callable
from dataclasses import dataclass

import peewee

from service.auth import keys, sessions
from service.auth.emails import normalise_email
from service.auth.passwords import Passwords
from service.auth.throttle import MAILS_LIMITED, Throttle, account_key, pair_key, refusal
from service.auth.writes import must_write
from service.db.locks import write_transaction
from service.db.models import AuthThrottle, User, db
from service.errors import (
    Conflict,
    Forbidden,
    ServiceUnavailable,
    ValidationFailed,
)
from service.mail import texts
from service.mail.outbox import Outbox

BAD_KEY = "the key is unknown, expired or already used"
WRONG_PASSWORD = "current_password does not match"
NOT_VERIFIED = "the email address is not verified: follow the link mailed to it, or ask for another"
MAIL_OFF = "mail is off: SMTP_URL is not set"

Link = Callable[[str], str]  # a key -> the link mailed with it


class MailOff(ServiceUnavailable):
    def __init__(self):
        super().__init__(MAIL_OFF)


@dataclass(frozen=True)
class Lifetimes:
    verification: int
    reset: int


class EmailAccounts:
    """The rules of accounts by email, configured once from settings."""

    def __init__(
        self, outbox: Outbox, passwords: Passwords, mode: str, lifetimes: Lifetimes,
        mail_enabled: bool,
    ):
        self.outbox = outbox
        self.passwords = passwords
        self.mode = mode
        self.lifetimes = lifetimes
        self.mail_enabled = mail_enabled

    @property
    def mandatory(self) -> bool:
        return self.mode == "mandatory"

    def sends_verification(self) -> bool:
        return self.mode != "none" and self.mail_enabled

    def _require_mail(self) -> None:
        if not self.mail_enabled:
            raise MailOff()

    def welcome(self, user: User, link: Link) -> list:
        """The statements that queue the verification mail of a user just registered, for the
        caller to run in the transaction that creates the user (the user found by email)."""
        key = keys.new_key()
        owner = User.select(User.id).where(User.email == user.email)
        mail = texts.verify_address(user.email, link(key), key, self.lifetimes.verification)
        return [*keys.issuing(owner, keys.VERIFY, key, self.lifetimes.verification),
                self.outbox.queuing(user.email, mail)]

    def register_quietly(self, email: str, password: str, throttle: Throttle, link: Link) -> None:
        """Register in mandatory mode: a new address gets a key, a taken one a notice instead;
        the same answer, by the same statements."""
        email, key = normalise_email(email), keys.new_key()
        password_hash = self.passwords.hash(password)
        lifetime = self.lifetimes.verification
        with must_write("a new user"), write_transaction():
            User.insert(email=email, password_hash=password_hash).on_conflict_ignore().execute()
            user = User.get(User.email == email)
            refused = throttle.count_mail(email)
            # the hash is salted: only this insert wrote it, so only a new account selects a row
            created = User.select(User.id).where(
                (User.id == user.id) & (User.password_hash == password_hash)
            )
            keys.issue(created, keys.VERIFY, key, lifetime)
            if user.password_hash == password_hash:
                self.outbox.queue(email, texts.verify_address(email, link(key), key, lifetime))
            elif refused is None:  # a new account always gets its key; a notice can wait
                self.outbox.queue(email, texts.already_registered(email))

    def check_login(self, user: User) -> None:
        """Refuse a right password for an unverified address when verification is mandatory
        (`user` as the login read it)."""
        if self.mandatory and not user.email_verified:
            raise Forbidden(NOT_VERIFIED)

    def resend(self, email: str, throttle: Throttle, link: Link) -> None:
        """Send a new verification key to an existing, unverified address; else nothing."""
        email, key = normalise_email(email), keys.new_key()
        lifetime = self.lifetimes.verification
        self._mail_key(
            email, throttle, keys.VERIFY, key, lifetime, ~User.email_verified,
            texts.verify_address(email, link(key), key, lifetime),
        )

    def request_reset(self, email: str, throttle: Throttle, link: Link) -> None:
        """Send a reset key to an existing address; else nothing, by the same statements."""
        email, key = normalise_email(email), keys.new_key()
        lifetime = self.lifetimes.reset
        self._mail_key(
            email, throttle, keys.RESET, key, lifetime, None,
            texts.reset_password(link(key), key, lifetime),
        )

    def _mail_key(self, email, throttle, kind, key, lifetime, condition, mail) -> None:
        """Issue a key of `kind` and queue its mail for the account of `email` (that also meets
        `condition`), if there is one: the same statements, and a write, either way."""
        self._require_mail()
        account = User.email == email if condition is None else (User.email == email) & condition
        owner = User.select(User.id).where(account)
        with must_write("a mailed key"), write_transaction():
            keys.lock_users(owner)
            refused = throttle.count_mail(email)
            if refused is None:
                keys.issue(owner, kind, key, lifetime)
                self.outbox.queue_to(User.select(User.email).where(account), mail)
        if refused is not None:
            raise refusal(MAILS_LIMITED, refused)

    def reset_password(self, key: str, new_password: str, address: str) -> User:
        """Spend a reset key: set the password, verify the address, kill every key, end every
        session and clear the account's failed logins. The caller starts the new session."""
        password_hash = self.passwords.hash(new_password)  # before the lookup: any key costs the same
        with must_write("a new password"), write_transaction():
            found = keys.spend(key, (keys.RESET,))
            if found is None:
                raise ValidationFailed({"key": BAD_KEY})
            user = User.get_by_id(found.user_id)
            User.update(password_hash=password_hash, email_verified=True).where(
                User.id == user.id
            ).execute()
            keys.kill(user.id)
            sessions.end_all(user)
            AuthThrottle.delete().where(
                AuthThrottle.key.in_([account_key(user.email), pair_key(user.email, address)])
            ).execute()
        return user

    def verify(self, key: str) -> None:
        """Spend a verification or address-change key; a change moves the account (409 if taken)."""
        with must_write("a verified address"), write_transaction():
            found = keys.spend(key, (keys.VERIFY, keys.CHANGE))
            if found is None:
                raise ValidationFailed({"key": BAD_KEY})
            if found.kind == keys.VERIFY:
                User.update(email_verified=True).where(User.id == found.user_id).execute()
                return
            try:
                with must_write("a new address"), db.atomic():
                    User.update(email=found.new_email, email_verified=True).where(
                        User.id == found.user_id
                    ).execute()
            except peewee.IntegrityError:
                raise Conflict(f"{found.new_email} is already registered") from None
            keys.kill(found.user_id, (keys.VERIFY, keys.CHANGE))

    def change_email(
        self, user: User, new_email: str, current: str, throttle: Throttle, address: str, link: Link,
    ) -> None:
        """Mail a key to the new address (unless it is taken) and a notice to the old; nothing
        changes until the key is used. The password is checked as a login is."""
        self._require_mail()
        reservation = throttle.reserve_login(user.email, address)
        stored = User.get_or_none(User.id == user.id)
        if not self.passwords.verify(stored.password_hash if stored else None, current):
            raise ValidationFailed({"current_password": WRONG_PASSWORD})
        throttle.succeeded(reservation)
        new_email, key = normalise_email(new_email), keys.new_key()
        lifetime = self.lifetimes.verification
        with must_write("an address change"), write_transaction():
            owner = User.select(User.id).where(User.id == user.id)
            keys.lock_users(owner)
            refused = throttle.count_mail(new_email)
            if refused is None and not User.select().where(User.email == new_email).exists():
                keys.issue(owner, keys.CHANGE, key, lifetime, new_email)
                self.outbox.queue(new_email, texts.change_address(new_email, link(key), key, lifetime))
            if refused is None:
                self.outbox.queue(stored.email, texts.change_notice(new_email))
        if refused is not None:
            raise refusal(MAILS_LIMITED, refused)
