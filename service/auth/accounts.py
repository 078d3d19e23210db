"""Business rules for users and revoked tokens: plain functions over the models."""

import logging
from datetime import datetime, timedelta

import peewee

from service.auth import keys, sessions
from service.auth.challenges import BAD_CREDENTIALS, unauthorized
from service.auth.emails import normalise_email
from service.auth.passwords import Passwords
from service.auth.throttle import Throttle
from service.auth.tokens import INVALID
from service.auth.writes import must_write
from service.clock import utcnow
from service.db.batch import run_together
from service.db.purging import delete_in_batches
from service.db.locks import lock_user, write_transaction
from service.db.models import RevokedToken, Session, User, db
from service.db.prepared import Prepared
from service.errors import Conflict, ValidationFailed
from service.metrics import TOKENS_REVOKED, count_login
from service.mfa import gate

log = logging.getLogger(__name__)

WRONG_PASSWORD = "current_password does not match"


def register(
    email: str, password: str, passwords: Passwords, admin: bool = False, verified: bool = False,
    welcome=None,
) -> User:
    """Create a user; the database's unique index decides who wins a race. `welcome(user)`
    gives statements to run in the same transaction (to queue the verification mail)."""
    return _register(email, password, passwords, admin, verified, welcome)[0]


def join(
    email: str, password: str, passwords: Passwords, welcome, user_agent: str | None,
    session_seconds: int,
) -> tuple[User, sessions.Started]:
    """Register (as register does) and start the new user's first session, in one transaction;
    on PostgreSQL the client waits for it once."""
    return _register(email, password, passwords, False, False, welcome, (user_agent, session_seconds))


def _register(email, password, passwords, admin, verified, welcome, session=None):
    email = normalise_email(email)
    user = User(email=email, password_hash=passwords.hash(password), admin=admin,
                email_verified=verified)
    owner = User.select().where(User.email == email)
    try:
        with must_write("a new user"):
            if isinstance(db.obj, peewee.PostgresqlDatabase):
                started, statements = None, []
                if session is not None:
                    query, started = sessions.start_query(owner, *session, utcnow())
                    statements.append(query)
                statements += welcome(user) if welcome is not None else []
                found = User.select(User.id).where(User.email == email)  # users before sessions
                user.id = run_together(User.insert(**user.__data__), *statements, found)[0][0]
                return user, started
            with db.atomic():
                user.save(force_insert=True)
                for query in welcome(user) if welcome is not None else []:
                    query.execute()
            return user, session and sessions.start(user, *session)
    except peewee.IntegrityError:
        raise Conflict(f"{email} is already registered") from None


def authenticate(email: str, password: str, passwords: Passwords) -> User:
    """Return the user these credentials belong to; unknown email and wrong password look alike.

    The user's second factors come with the row, in the same query (`user.second_factors`).
    """
    user = _login_user(normalise_email(email))
    if not passwords.verify(user.password_hash if user else None, password):
        count_login("unknown_email" if user is None else "wrong_password")
        raise unauthorized(BAD_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        rehash(user, passwords.hash(password))
    return user


def _login_user(email: str) -> User | None:
    row = User.select(User, *gate.method_checks(User.id)).where(User.email == email).tuples().first()
    if row is None:
        return None
    fields = len(User._meta.sorted_fields)
    user = sessions.user_from_row(row[:fields])
    user.second_factors = gate.methods_of(row[fields:])
    return user


def rehash(user: User, password_hash: str) -> None:
    """Store a hash made with the current parameters; best effort, as any other answer than
    a plain success would tell a guesser the password was right."""
    try:
        User.update(password_hash=password_hash).where(User.id == user.id).execute()
    except peewee.DatabaseError as error:
        log.warning("cannot store the rehashed password of user %s: %s", user.id, error)
        return
    user.password_hash = password_hash


def log_in(email: str, password: str, passwords: Passwords, throttle: Throttle, address: str) -> User:
    """Authenticate within the failure limits: the attempt is counted before the password is checked."""
    reservation = throttle.reserve_login(email, address)
    user = authenticate(email, password, passwords)  # a wrong password leaves the attempt counted
    throttle.succeeded(reservation)
    return user


def change_password(
    user: User, current: str, new: str, passwords: Passwords, throttle: Throttle, address: str,
    user_agent: str | None, session_seconds: int,
) -> sessions.Started:
    """Set a new password and start a new session, ending every other; the current password
    is checked as a login is, within the same failure limits (a wrong one counts). The hash
    it was checked against must still be the stored one when the new one is written, so of
    concurrent changes exactly one succeeds. A user deleted meanwhile gets the 401 their
    token gets from then on. The hash checked is the one the token check read with `user`
    (read again when `user` comes without it)."""
    reservation = throttle.reserve_login(user.email, address)
    stored_hash = getattr(user, "password_hash", None)  # the token check reads it with the user
    if stored_hash is None:
        stored = User.get_or_none(User.id == user.id)
        if stored is None:
            raise unauthorized(INVALID, refused_token=True)
        stored_hash = stored.password_hash
    if not passwords.verify(stored_hash, current):
        raise ValidationFailed({"current_password": WRONG_PASSWORD})
    with_commit = throttle.succeed_at_commit(reservation)
    password_hash = passwords.hash(new)
    with must_write("a new password"):
        if isinstance(db.obj, peewee.PostgresqlDatabase):
            started = _change_together(
                user.id, stored_hash, password_hash, user_agent, session_seconds, with_commit
            )
            if started is not None:
                return started
            if not User.select().where(User.id == user.id).exists():
                raise unauthorized(INVALID, refused_token=True)
            raise ValidationFailed({"current_password": WRONG_PASSWORD})
        with write_transaction():
            if not lock_user(user.id):
                raise unauthorized(INVALID, refused_token=True)
            changed = User.update(password_hash=password_hash).where(
                (User.id == user.id) & (User.password_hash == stored_hash)
            ).execute()
            if not changed:  # another change won meanwhile: the password checked is no longer current
                raise ValidationFailed({"current_password": WRONG_PASSWORD})
            keys.kill(user.id)  # a mailed key of the old password's time dies with it
            return sessions.restart(user, user_agent, session_seconds)


def _change_together(
    user_id: int, stored_hash: str, password_hash: str, user_agent, session_seconds, with_commit,
):
    """The change on PostgreSQL, as one message and one transaction: the new hash is written
    over the one checked (which locks the user), then, each statement seeing what the lock
    guards and only if the hash was written, every key of the old password's time dies, every
    session ends and the new one starts; `with_commit` goes with its COMMIT. None when no hash
    was written."""
    now = utcnow()
    changed = User.select().where((User.id == user_id) & (User.password_hash == password_hash))
    written = peewee.fn.EXISTS(changed)
    start, started = sessions.start_query(changed, user_agent, session_seconds, now)
    rows = run_together(
        User.update(password_hash=password_hash).where(
            (User.id == user_id) & (User.password_hash == stored_hash)
        ),
        keys.killing(user_id).where(written),
        sessions.ending(Session.user == user_id, now).where(written),
        start,
        with_commit=with_commit,
    )
    return started if rows else None


_TOKEN_HOLDER = Prepared(
    lambda token_id, public_id, session_id: User.select(
        User.id, User.public_id, User.email, User.admin, User.registered_on, User.email_verified,
        User.password_hash, peewee.fn.EXISTS(RevokedToken.select(RevokedToken.id).where(RevokedToken.jti == token_id)),
        peewee.fn.EXISTS(
            Session.select(Session.id).where(
                (Session.public_id == session_id) & (Session.user == User.id)
                & Session.ended_at.is_null()
            )
        ),
    ).where(User.public_id == public_id),
    3,
)


# Why token_holder refuses a token; both are true values, and False means it is accepted.
REVOKED = "revoked"
SESSION_ENDED = "session ended"


def token_holder(
    token_id: str, public_id: str, session_id: str | None = None
) -> tuple[User | None, str | bool]:
    """The user a token names and whether the token is refused: REVOKED (logged out), or
    SESSION_ENDED (its session was ended otherwise: a refresh token spent twice, a password
    change, an end from another session).

    One indexed query per request. A token without a session (issued before
    sessions existed) is checked against the revocation table alone.
    """
    row = _TOKEN_HOLDER.execute(
        token_id, User.public_id.db_value(public_id), Session.public_id.db_value(session_id)
    ).fetchone()
    if row is None:
        return None, is_revoked(token_id)
    user_id, stored_public_id, email, admin, registered_on, verified, password_hash, revoked, session_going = row
    user = User(
        __no_default__=True,  # every field is set here: no fresh public_id or clock read to discard
        id=user_id,
        public_id=User.public_id.python_value(stored_public_id),
        email=email,
        admin=User.admin.python_value(admin),
        registered_on=User.registered_on.python_value(registered_on),
        email_verified=User.email_verified.python_value(verified),
        password_hash=password_hash,  # a password change checks the current password against it
    )
    if revoked:
        return user, REVOKED
    return user, SESSION_ENDED if session_id is not None and not session_going else False


def is_revoked(token_id: str) -> bool:
    return RevokedToken.select().where(RevokedToken.jti == token_id).exists()


def revoke(token_id: str, accepted_until: datetime, leeway_seconds: int = 0) -> None:
    """Record a token as revoked until no server accepts it any more (idempotent); drop older entries.

    `accepted_until` is the token's `exp` plus the leeway it is checked with
    (`Claims.accepted_until`): a revocation dropped at `exp` alone would let the
    token work again for the rest of the leeway.
    """
    with must_write("a token revocation"), db.atomic():
        RevokedToken.insert(
            jti=token_id, expires_at=accepted_until.replace(tzinfo=None)
        ).on_conflict_ignore().execute()
    TOKENS_REVOKED.inc()
    purge_expired(leeway_seconds)


def purge_expired(leeway_seconds: int = 0) -> int:
    """Delete revocation entries whose tokens no server accepts any more; return how many.

    Entries are kept `leeway_seconds` (the caller's TOKEN_LEEWAY_SECONDS) past
    their stored time too, which covers entries written by a server with less
    leeway and entries written before the leeway was stored with them.
    """
    now = utcnow()
    if leeway_seconds >= (now - datetime.min).total_seconds():
        return 0
    cutoff = now - timedelta(seconds=leeway_seconds)
    return delete_in_batches(RevokedToken, RevokedToken.expires_at < cutoff)
