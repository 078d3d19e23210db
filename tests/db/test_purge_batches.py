"""A purge of a large backlog commits in batches: SQLite writers take the lock between them."""

from datetime import timedelta

import pytest

from service.auth import accounts, sessions, throttle
from service.clock import utcnow
from service.db import purging
from service.db.connection import bind, migrate, open_database
from service.db.models import (
    AuthThrottle,
    IdempotencyKey,
    RefreshToken,
    RevokedToken,
    Session,
    User,
)
from service.idempotency import keys

BATCH = 100
BACKLOG = 1050  # ten full batches and a partial one


@pytest.fixture
def commits(tmp_path, monkeypatch):
    """A migrated SQLite database bound to the models; yields the list of COMMITs it ran."""
    database = open_database(f"sqlite:///{tmp_path / 'purge.db'}")
    migrate(database)
    bind(database)
    monkeypatch.setattr(purging, "PURGE_BATCH_ROWS", BATCH)
    seen: list[str] = []
    database.connection().set_trace_callback(
        lambda sql: seen.append(sql) if sql.strip().upper().startswith("COMMIT") else None
    )
    yield seen
    database.close()


def test_revoked_tokens_throttle_counters_and_idempotency_keys_are_purged_in_batches(commits):
    past, future = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    RevokedToken.insert_many([{"jti": f"t{i}", "expires_at": past} for i in range(BACKLOG)]).execute()
    RevokedToken.create(jti="live", expires_at=future)
    AuthThrottle.insert_many([{"key": f"k{i}", "window_ends_at": past} for i in range(BACKLOG)]).execute()
    IdempotencyKey.insert_many([
        {"scope": "user:x", "key": f"i{i}", "fingerprint": "f", "status": 201, "body": "{}",
         "expires_at": past} for i in range(BACKLOG)
    ]).execute()
    for purge in (accounts.purge_expired, throttle.purge_ended, keys.purge_expired):
        commits.clear()
        assert purge() == BACKLOG  # the total stays exact across batches
        assert len(commits) >= BACKLOG // BATCH + 1, purge.__qualname__
    assert [t.jti for t in RevokedToken.select()] == ["live"]
    assert AuthThrottle.select().count() == IdempotencyKey.select().count() == 0


def test_sessions_and_their_refresh_tokens_are_purged_in_batches(commits):
    past, future = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    user = User.create(email="batches@example.com", password_hash="x")
    Session.insert_many([{"user": user, "expires_at": future, "ended_at": past}] * BACKLOG).execute()
    going = Session.create(user=user, expires_at=future)
    RefreshToken.insert_many([
        {"token_hash": f"{i:064d}", "session": session_id, "expires_at": future}
        for i, (session_id,) in enumerate(Session.select(Session.id).where(Session.id != going.id).tuples())
    ]).execute()
    RefreshToken.create(token_hash="e" * 64, session=going, expires_at=past)
    RefreshToken.create(token_hash="l" * 64, session=going, expires_at=future)
    commits.clear()
    assert sessions.purge_expired(0) == (BACKLOG, BACKLOG + 1)
    assert len(commits) >= BACKLOG // BATCH + 1
    assert [s.id for s in Session.select()] == [going.id]
    assert [t.token_hash for t in RefreshToken.select()] == ["l" * 64]
