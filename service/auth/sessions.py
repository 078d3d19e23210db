"""Sessions and their refresh tokens: rotation with reuse detection (RFC 9700 §4.14.2).

A session starts at register, login or a password change. Its access tokens
name it (`sid`) and stop working the moment it ends: the per-request token check
reads the session's row in the same statement as the user's. Its refresh tokens
are 256-bit random strings stored only as SHA-256 hashes; each works once, and
presenting one that is already spent ends the whole session, since either the
holder or a thief is replaying it. Everything lives in the database, so every
worker and host sees a change at once.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee
from peewee import Value

from service.auth.challenges import BAD_CREDENTIALS, unauthorized
from service.auth.tokens import INVALID
from service.auth.writes import must_write
from service.clock import utcnow
from service.db.batch import run_together
from service.db import purging
from service.db.locks import lock_user, write_transaction
from service.db.models import RefreshToken, Session, User, db
from service.errors import NotFound

REFRESH_TOKEN_BYTES = 32  # 256 bits of randomness
INVALID_REFRESH = "Invalid refresh token. Please log in again."
SESSION_NOT_FOUND = "session not found"
LISTED_SESSIONS = 100  # the newest active sessions a listing shows; ending all reaches every one
USER_AGENT_CHARS = 256
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Started:
    """A session just started or refreshed: its public id and its one current refresh token."""

    session_id: str
    refresh_token: str


def digest(refresh_token: str) -> str:
    """What the database holds of a refresh token: a hash, useless to whoever reads the table."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def _issue_refresh_token(session_id: int, now: datetime, lifetime_seconds: int) -> str:
    token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    RefreshToken.insert(
        token_hash=digest(token), session=session_id,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    ).execute()
    return token


def _start(user_id: int, user_agent: str | None, lifetime_seconds: int, now: datetime) -> Started:
    session = Session.create(
        user=user_id, created_at=now, last_used_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
        user_agent=CONTROL.sub(" ", (user_agent or "")[:USER_AGENT_CHARS]),
    )
    token = _issue_refresh_token(session.id, now, lifetime_seconds)
    return Started(str(session.public_id), token)


def start_query(owner, user_agent: str | None, lifetime_seconds: int, now: datetime):
    """One statement that starts a session for the user `owner` selects (none when it selects
    no row) with its first refresh token; and the session and token it starts."""
    public_id, token = uuid.uuid4(), secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    expires = now + timedelta(seconds=lifetime_seconds)
    agent = CONTROL.sub(" ", (user_agent or "")[:USER_AGENT_CHARS])
    started = Session.insert_from(
        owner.select(Value(Session.public_id.db_value(public_id)), User.id, Value(now), Value(now),
                     Value(expires), Value(agent)),
        fields=[Session.public_id, Session.user, Session.created_at, Session.last_used_at,
                Session.expires_at, Session.user_agent],
    ).returning(Session.id).cte("started")
    issued = RefreshToken.insert_from(
        peewee.Select((started,), [Value(digest(token)), started.c.id, Value(expires)]),
        fields=[RefreshToken.token_hash, RefreshToken.session, RefreshToken.expires_at],
    ).with_cte(started).returning(RefreshToken.id)
    return issued, Started(str(public_id), token)


def _locked(user_id):
    """The statement that locks a user's row as lock_user does on PostgreSQL."""
    return User.select(User.id).where(User.id == user_id).for_update("FOR NO KEY UPDATE")


def on_postgresql() -> bool:
    return isinstance(db.obj, peewee.PostgresqlDatabase)


def start(user: User, user_agent: str | None, lifetime_seconds: int, with_commit=()) -> Started:
    """Start a session for `user` with its first refresh token; 401 when the user was deleted
    a moment ago, as their login a moment later would be refused.

    On PostgreSQL the transaction goes as one message: the user's lock, then the session;
    `with_commit` as `run_together` takes it (on SQLite, run in the transaction).
    """
    if on_postgresql():
        owner = User.select().where(User.id == user.id)
        issued, started = start_query(owner, user_agent, lifetime_seconds, utcnow())
        with must_write("a new session"):
            if not run_together(_locked(user.id), issued, with_commit=with_commit):
                raise unauthorized(BAD_CREDENTIALS)
        return started
    with must_write("a new session"), write_transaction():
        if not lock_user(user.id):
            raise unauthorized(BAD_CREDENTIALS)
        started = _start(user.id, user_agent, lifetime_seconds, utcnow())
        for query in with_commit:
            query.execute()
        return started


def restart(user: User, user_agent: str | None, lifetime_seconds: int) -> Started:
    """Start a new session and end every other session of `user`, in one transaction; 401 when
    the user was deleted meanwhile, as their token is refused from then on."""
    now = utcnow()
    with must_write("a new session"), write_transaction():
        if not lock_user(user.id):
            raise unauthorized(INVALID, refused_token=True)
        _end(Session.user == user.id, now)
        return _start(user.id, user_agent, lifetime_seconds, now)


def rotate(refresh_token: str, lifetime_seconds: int) -> tuple[User, Started]:
    """Spend `refresh_token` for a new one in the same session; refuse it otherwise (401).

    One conditional update spends the token, so of two concurrent refreshes
    exactly one wins. Every refusal runs the same statements, whether the
    token is unknown, expired or spent, and a spent one ends its session.
    """
    token_hash, now = digest(refresh_token), utcnow()
    with must_write("a refresh token"):
        if on_postgresql():
            rotated = _spend_together(token_hash, now, lifetime_seconds)
        else:
            with write_transaction():
                lock_user(_holder(token_hash))
                rotated = _spend(token_hash, now, lifetime_seconds)
    if rotated is not None:
        return rotated
    with must_write("the end of a session"), write_transaction():
        lock_user(_holder(token_hash))
        spent = RefreshToken.select(RefreshToken.session).where(
            (RefreshToken.token_hash == token_hash) & RefreshToken.spent_at.is_null(False)
        )
        _end(Session.id.in_(spent), now)
    raise unauthorized(INVALID_REFRESH)


def _holder(token_hash: str):
    """The id of the user a refresh token belongs to, as a subquery: one statement locks their row,
    whether or not the token exists."""
    return (
        Session.select(Session.user).join(RefreshToken)
        .where(RefreshToken.token_hash == token_hash)
    )


def _spend(token_hash: str, now: datetime, lifetime_seconds: int) -> tuple[User, Started] | None:
    active = Session.select(Session.id).where(Session.ended_at.is_null())
    spent = RefreshToken.update(spent_at=now).where(
        (RefreshToken.token_hash == token_hash)
        & RefreshToken.spent_at.is_null()
        & (RefreshToken.expires_at > now)
        & RefreshToken.session.in_(active)
    ).execute()
    if not spent:
        return None
    session = (
        Session.select(Session, User).join(User)
        .where(Session.id == RefreshToken.select(RefreshToken.session).where(
            RefreshToken.token_hash == token_hash))
        .get()
    )
    Session.update(
        last_used_at=now, expires_at=now + timedelta(seconds=lifetime_seconds)
    ).where(Session.id == session.id).execute()
    token = _issue_refresh_token(session.id, now, lifetime_seconds)
    return session.user, Started(str(session.public_id), token)


def _spend_together(token_hash: str, now: datetime, lifetime_seconds: int):
    """_spend on PostgreSQL: the holder's lock, then one statement that spends the token, renews
    its session and issues the next token, sent as one message (one transaction)."""
    active = Session.select(Session.id).where(Session.ended_at.is_null())
    expires = now + timedelta(seconds=lifetime_seconds)
    spent = RefreshToken.update(spent_at=now).where(
        (RefreshToken.token_hash == token_hash)
        & RefreshToken.spent_at.is_null()
        & (RefreshToken.expires_at > now)
        & RefreshToken.session.in_(active)
    ).returning(RefreshToken.session).cte("spent")
    renewed = Session.update(last_used_at=now, expires_at=expires).where(
        Session.id.in_(peewee.Select((spent,), [spent.c.session_id]))
    ).returning(Session.id, Session.public_id, Session.user).cte("renewed")
    token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    issued = RefreshToken.insert_from(
        peewee.Select((renewed,), [Value(digest(token)), renewed.c.id, Value(expires)]),
        fields=[RefreshToken.token_hash, RefreshToken.session, RefreshToken.expires_at],
    ).cte("issued")
    holder = (
        User.select(User, renewed.c.public_id)
        .join(renewed, on=(renewed.c.user_id == User.id))
        .with_cte(spent, renewed, issued)
    )
    rows = run_together(User.select(User.id).where(User.id == _holder(token_hash))
                        .for_update("FOR NO KEY UPDATE"), holder.tuples())
    if not rows:
        return None
    *fields, public_id = rows[0]
    return user_from_row(fields), Started(str(Session.public_id.python_value(public_id)), token)


def user_from_row(values) -> User:
    """A User from the values of a query that selects every field of the model, in its order."""
    return User(__no_default__=True, **{
        field.name: field.python_value(value) for field, value in zip(User._meta.sorted_fields, values)
    })


def _end(condition, now: datetime) -> int:
    """End the sessions that match `condition` and are still going; return how many."""
    return ending(condition, now).execute()


def ending(condition, now: datetime):
    """The statement of _end(), unrun."""
    return Session.update(ended_at=now).where(condition & Session.ended_at.is_null())


def end(session_id: str | None) -> None:
    """End one session (logout); a token from before sessions existed has none to end."""
    if session_id is None:
        return
    with must_write("the end of a session"), write_transaction():
        lock_user(Session.select(Session.user).where(Session.public_id == session_id))
        _end(Session.public_id == session_id, utcnow())


def end_own(user: User, session_id: str) -> None:
    """End one of `user`'s sessions; NotFound for another user's, an ended or an unknown one."""
    with must_write("the end of a session"), write_transaction():
        lock_user(user.id)
        ended = _end((Session.public_id == session_id) & (Session.user == user.id), utcnow())
    if not ended:
        raise NotFound(SESSION_NOT_FOUND)


def end_all(user: User) -> int:
    """End every session of `user` ("log out everywhere"); return how many were going."""
    with must_write("the end of sessions"), write_transaction():
        lock_user(user.id)
        return _end(Session.user == user.id, utcnow())


def active(user: User) -> list[Session]:
    """`user`'s sessions that still go on (not ended, refresh token not expired), newest first."""
    return list(
        Session.select()
        .where(
            (Session.user == user.id) & Session.ended_at.is_null() & (Session.expires_at > utcnow())
        )
        .order_by(Session.created_at.desc(), Session.id.desc())
        .limit(LISTED_SESSIONS)
    )


def purge_expired(keep_seconds: int) -> tuple[int, int]:
    """Delete sessions that ended, or whose refresh token expired, more than `keep_seconds` ago.

    `keep_seconds` is the longest an access token of theirs may still be
    accepted (TOKEN_EXPIRE_SECONDS plus the leeway): until then its row must say
    the session ended. Their refresh tokens go with them (cascade), and so do
    expired refresh tokens of sessions that go on. Returns (sessions, refresh tokens) removed.
    """
    cutoff = utcnow() - timedelta(seconds=keep_seconds)
    gone = (Session.ended_at < cutoff) | (Session.expires_at < cutoff)
    sessions = tokens = 0
    with must_write("the purge of sessions"):
        while True:  # in batches: writers take the lock between them (service/db/purging.py)
            with write_transaction():
                batch = _lock_sessions(gone, purging.PURGE_BATCH_ROWS)
                tokens += RefreshToken.delete().where(RefreshToken.session.in_(batch)).execute()
                sessions += Session.delete().where(Session.id.in_(batch)).execute()
            if len(batch) < purging.PURGE_BATCH_ROWS:
                break
        tokens += purging.delete_in_batches(RefreshToken, RefreshToken.expires_at < cutoff)
    return sessions, tokens


def _lock_sessions(condition, limit: int) -> list[int]:
    """Ids of up to `limit` sessions matching `condition`, locked before their refresh tokens."""
    query = Session.select(Session.id).where(condition).order_by(Session.id).limit(limit)
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        query = query.for_update()
    return [row[0] for row in query.tuples()]
