"""Schema changes go only through numbered migrations."""

import uuid
from datetime import datetime

import falcon.testing
import pytest
from playhouse.migrations import Runner

from service.app import create_app
from service.auth import accounts
from service.auth.tokens import Tokens
from service.db.connection import MIGRATIONS, MIGRATIONS_DIR, bind, migrate, open_database
from service.db.models import User, Widget, db
from tests.support.databases import drop_postgres_database, fresh_postgres_database
from tests.support.inprocess import CHEAP, PASSWORD, bearer, login
from tests.support.settings import POSTGRES_TEST_DB, make_settings


def test_migrations_are_numbered_scripts():
    names = sorted(p.name for p in MIGRATIONS_DIR.glob("*.py"))
    assert names and all(name[:4].isdigit() for name in names)


def test_migrate_twice_applies_nothing_the_second_time(database):
    assert migrate(database) == []


def test_migrations_create_the_model_tables(database):
    assert {"users", "revoked_tokens"} <= set(database.get_tables())


def test_migration_history_records_every_script(database):
    applied = {row[0] for row in database.execute_sql("SELECT name FROM schema_migration")}
    assert applied == {p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py")}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_sessions(request, tmp_path):
    """A database migrated up to the last schema without sessions, as deployments have it today."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
    else:
        url = fresh_postgres_database(f"{POSTGRES_TEST_DB}_upgrade")
    previous = db.obj
    database = bind(open_database(url))
    Runner(database, directory=str(MIGRATIONS_DIR)).up(target="0003_auth_throttles")
    yield url, database
    database.close()
    if previous is not None:
        bind(previous)
    if request.param == "postgresql":
        drop_postgres_database(url)


def user_before_email(email: str, admin: bool = False) -> User:
    """A user row as the schema before migration 0006 holds it (no email_verified column)."""
    public_id, p = uuid.uuid4(), db.obj.param
    db.obj.execute_sql(
        f'INSERT INTO "users" ("public_id", "email", "password_hash", "admin", "registered_on") '
        f"VALUES ({p}, {p}, {p}, {p}, {p})",
        (User.public_id.db_value(public_id), email, CHEAP.hash(PASSWORD), admin, datetime(2026, 1, 1)),
    )
    return User(id=User.select(User.id).where(User.email == email).scalar(), public_id=public_id,
                email=email, admin=admin)


def test_upgrade_keeps_users_and_revocations_and_tokens_issued_before_it(database_before_sessions):
    url, database = database_before_sessions
    settings = make_settings(url)
    tokens = Tokens.from_settings(settings)
    user = user_before_email("before@example.com")
    kept, revoked = (tokens.issue(str(user.public_id), False) for _ in range(2))
    accounts.revoke(tokens.decode(revoked).token_id, tokens.decode(revoked).accepted_until)

    assert migrate(database) == [name for name in MIGRATIONS if name > "0003_auth_throttles"]

    client = falcon.testing.TestClient(create_app(settings, database))
    assert client.simulate_get("/api/v1/auth/user", headers=bearer(kept)).status_code == 200
    assert client.simulate_get("/api/v1/auth/user", headers=bearer(revoked)).json["message"] == (
        "Token blacklisted. Please log in again.")
    assert login(client, "before@example.com").json["refresh_token"]


def test_upgrade_counts_the_widgets_already_there(database_before_sessions):
    url, database = database_before_sessions
    owner = user_before_email("owner@example.com", admin=True)
    Widget.insert_many([
        {"name": name, "info_url": "https://example.com", "created_at": datetime(2026, 1, 1),
         "deadline": datetime(2030, 12, 31, 23, 59, 59), "owner": owner.id}
        for name in ("one", "two", "three")
    ]).execute()  # the widgets table stands as the model has it since migration 0002
    migrate(database)
    client = falcon.testing.TestClient(create_app(make_settings(url), database))
    admin = bearer(login(client, "owner@example.com").json["access_token"])
    assert client.simulate_get("/api/v1/widgets", headers=admin).json["total_items"] == 3
    Widget.delete().where(Widget.name == "two").execute()
    assert client.simulate_get("/api/v1/widgets", headers=admin).headers["Total-Count"] == "2"


def test_upgrade_leaves_existing_addresses_unverified(database_before_sessions):
    _, database = database_before_sessions
    user_before_email("unproven@example.com")
    migrate(database)
    assert User.get(User.email == "unproven@example.com").email_verified is False
