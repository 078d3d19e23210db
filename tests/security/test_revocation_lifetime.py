"""A revoked token stays revoked for as long as any path would accept it: `exp` plus the leeway.

Tokens are forged already expired but within TOKEN_LEEWAY_SECONDS, the window
in which a revocation dropped at `exp` would let them work again.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest

from service import cli
from service.auth import accounts
from service.auth.tokens import accepted_until, key_id
from service.db.connection import bind
from service.clock import utcnow
from service.db.models import RevokedToken, db
from tests.support.inprocess import bearer, register, token_for
from tests.support.tokens import BLACKLISTED, forge, refused

USER = "/api/v1/auth/user"
LOGOUT = "/api/v1/auth/logout"
LEEWAY = "300"
OLD_KEY = "the-previous-signing-key-of-32-bytes-or-more"


def expired_within_leeway(client, key: str | None = None) -> str:
    """A token 30 s past its exp: still accepted under a 300 s leeway."""
    signing = {"key": key, "headers": {"kid": key_id(key)}} if key else {}
    token = forge(client, exp=int(time.time()) - 30, **signing)
    assert client.simulate_get(USER, headers=bearer(token)).status_code == 200
    return token


def log_out(client, token: str) -> None:
    assert client.simulate_post(LOGOUT, headers=bearer(token)).status_code == 200


# RFC 7009 §2.2 and RFC 7519 §4.1.4: a revoked token must stay refused while it could be accepted.
def test_logout_within_the_leeway_keeps_the_token_revoked(client_with):
    client = client_with(TOKEN_LEEWAY_SECONDS=LEEWAY)
    register(client)
    token = expired_within_leeway(client)
    log_out(client, token)
    refused(client, token, BLACKLISTED)


@pytest.mark.parametrize("signed_with", ["current key", "previous key"])
def test_purging_keeps_revocations_whose_tokens_the_leeway_still_accepts(client_with, signed_with):
    client = client_with(TOKEN_LEEWAY_SECONDS=LEEWAY, PREVIOUS_SECRET_KEYS=OLD_KEY)
    register(client)
    token = expired_within_leeway(client, OLD_KEY if signed_with == "previous key" else None)
    log_out(client, token)
    log_out(client, token_for(client))  # another logout purges
    accounts.purge_expired()  # as `widget-api purge-tokens` run without TOKEN_LEEWAY_SECONDS
    refused(client, token, BLACKLISTED)


def test_purging_drops_revocations_once_no_server_accepts_their_tokens(client):
    accounts.revoke("gone", utcnow() - timedelta(seconds=1))
    accounts.revoke("kept", utcnow() + timedelta(seconds=60))
    assert [entry.jti for entry in RevokedToken.select()] == ["kept"]


def test_purging_keeps_entries_for_its_own_leeway_too(client):
    """Entries written at `exp` alone (by a server with less leeway, or before) last the purger's leeway."""
    RevokedToken.create(jti="within", expires_at=utcnow() - timedelta(seconds=30))
    RevokedToken.create(jti="past", expires_at=utcnow() - timedelta(seconds=700))
    assert accounts.purge_expired(300) == 1
    assert [entry.jti for entry in RevokedToken.select()] == ["within"]


def test_purge_tokens_command_keeps_revocations_within_its_leeway(
    client, database, database_url, monkeypatch
):
    RevokedToken.create(jti="within", expires_at=utcnow() - timedelta(seconds=30))
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TOKEN_LEEWAY_SECONDS", LEEWAY)
    monkeypatch.setenv("TOKEN_EXPIRE_SECONDS", LEEWAY)  # a leeway past the token's life is refused
    assert cli.main(["purge-tokens"]) == 0
    db.obj.close()  # the command's own connection
    bind(database)
    assert [entry.jti for entry in RevokedToken.select()] == ["within"]


def test_a_leeway_past_the_calendar_keeps_every_revocation(client):
    RevokedToken.create(jti="old", expires_at=utcnow() - timedelta(days=3650))
    assert accounts.purge_expired(10**12) == 0


def test_a_token_expiring_at_the_end_of_the_calendar_is_kept_until_then():
    last = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert accepted_until(last, 3600) == datetime.max.replace(tzinfo=UTC)
    assert accepted_until(last - timedelta(hours=2), 3600) == last - timedelta(hours=1)
