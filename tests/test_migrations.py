"""Schema changes go only through numbered migrations."""

from service.db.connection import MIGRATIONS_DIR, migrate


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
