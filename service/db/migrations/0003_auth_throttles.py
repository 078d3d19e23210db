"""Create the auth_throttles table: login failures per account, attempts per client address."""

from peewee import CharField, DateTimeField, IntegerField, Model


def up(migrator, db):
    class AuthThrottle(Model):
        key = CharField(max_length=100, unique=True)
        hits = IntegerField(default=0)
        window_ends_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "auth_throttles"

    db.create_tables([AuthThrottle])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "auth_throttles"')
