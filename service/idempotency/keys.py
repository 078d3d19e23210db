"""Idempotency keys (IETF httpapi Idempotency-Key draft): plain functions over the stored answers.

The first complete answer to a request with a key is stored in the transaction of
the change it reports, so the two commit or roll back together: a create that
committed and whose answer was lost is answered again, never done again. While
that transaction runs it holds the key: on PostgreSQL an advisory lock that
`pg_try_advisory_xact_lock` takes without waiting (a twin sees it taken: 409),
on SQLite the database's single write lock (BEGIN IMMEDIATE), for which a twin
waits and then finds the stored answer. The key row is written last, after every
row lock the change took; on PostgreSQL it never waits, since only the holder of
the advisory lock writes it.
"""

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import peewee

from service.auth.writes import must_write
from service.clock import utcnow
from service.db.purging import delete_in_batches
from service.db.models import IdempotencyKey, db
from service.errors import ApiError, Conflict

IN_FLIGHT = "A request with this Idempotency-Key is still in progress; retry it later"
REUSED = "This Idempotency-Key was already used for a different request"
RETRY_AFTER_SECONDS = 1


class KeyReused(ApiError):
    """The key came with another request than the one it was first used for."""

    status = 422
    default_message = REUSED


class KeyInFlight(Conflict):
    """The first request with the key has not finished yet."""

    def __init__(self):
        super().__init__(IN_FLIGHT, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@dataclass(frozen=True)
class Keyed:
    """A request with a key: whose key it is, the key, and what the request asked."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Answer:
    """What is kept of an answer and sent again: status, the headers that matter, the body."""

    status: int
    location: str | None
    etag: str | None
    content_type: str | None
    body: str


def key_of(header: str) -> str:
    """The key a header names: a quoted string and its characters bare are one key."""
    if len(header) >= 2 and header[0] == header[-1] == '"':
        return header[1:-1]
    return header


def fingerprint(method: str, target: str, body) -> str:
    """A digest of the request as parsed: JSON and a form with the same fields agree."""
    canonical = json.dumps(
        [method, target, _as_text(body)], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _as_text(value):
    """Every scalar as a form would send it (`true`, `1`): the forms of one value compare equal."""
    if isinstance(value, dict):
        return {str(name): _as_text(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_text(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def stored(keyed: Keyed) -> IdempotencyKey | None:
    """The unexpired answer stored for the caller's key, if any."""
    return IdempotencyKey.get_or_none(
        (IdempotencyKey.scope == keyed.scope)
        & (IdempotencyKey.key == keyed.key)
        & (IdempotencyKey.expires_at > utcnow())
    )


@contextmanager
def claimed(keyed: Keyed):
    """A transaction that holds the caller's key; yields the answer stored meanwhile, or None.

    KeyInFlight when a twin holds the key. What the block writes, `keep` included,
    commits with it, or not at all.
    """
    with must_write("an idempotency key"), _transaction():
        if not _hold(keyed):
            raise KeyInFlight()
        yield stored(keyed)


@contextmanager
def undone_on_error():
    """A savepoint: a change that fails is undone, and the transaction around it goes on."""
    with db.atomic():
        yield


def replay(row: IdempotencyKey, keyed: Keyed) -> Answer:
    """The stored answer, if the request is the one it answered; KeyReused otherwise."""
    if row.fingerprint != keyed.fingerprint:
        raise KeyReused()
    return Answer(row.status, row.location, row.etag, row.content_type, row.body)


def keep(keyed: Keyed, answer: Answer, expire_seconds: int) -> None:
    """Store `answer` for the key, inside `claimed`; an expired answer of the key gives way."""
    now = utcnow()
    IdempotencyKey.delete().where(
        (IdempotencyKey.scope == keyed.scope) & (IdempotencyKey.key == keyed.key)
    ).execute()
    IdempotencyKey.insert(
        scope=keyed.scope, key=keyed.key, fingerprint=keyed.fingerprint, status=answer.status,
        location=answer.location, etag=answer.etag, content_type=answer.content_type,
        body=answer.body, created_at=now, expires_at=now + timedelta(seconds=expire_seconds),
    ).execute()


def purge_expired() -> int:
    """Delete stored answers whose keys have expired; return how many."""
    with must_write("the purge of idempotency keys"):
        return delete_in_batches(IdempotencyKey, IdempotencyKey.expires_at <= utcnow())


def _transaction():
    """On SQLite, holding the write lock from the start: one keyed write at a time."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        return db.atomic()
    return db.atomic("IMMEDIATE")


def _hold(keyed: Keyed) -> bool:
    """Take the key for this transaction without waiting; False when a twin holds it.

    SQLite's write lock, already taken, is the key's lock there.
    """
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        return True
    digest = hashlib.sha256(f"{keyed.scope}\n{keyed.key}".encode()).digest()
    lock = int.from_bytes(digest[:8], "big", signed=True)
    return db.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (lock,)).fetchone()[0]
