"""Create the sessions and refresh_tokens tables; the tables before them stay as they were."""

import uuid
from datetime import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model, UUIDField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Session(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
        created_at = DateTimeField(default=datetime.utcnow)
        last_used_at = DateTimeField(default=datetime.utcnow)
        expires_at = DateTimeField(index=True)
        ended_at = DateTimeField(null=True)
        user_agent = CharField(max_length=256, default="")

        class Meta:
            database = db
            table_name = "sessions"

    class RefreshToken(Model):
        token_hash = CharField(max_length=64, unique=True)
        session = ForeignKeyField(Session, backref="refresh_tokens", on_delete="CASCADE")
        expires_at = DateTimeField(index=True)
        spent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "refresh_tokens"

    db.create_tables([Session, RefreshToken])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "refresh_tokens"')
    db.execute_sql('DROP TABLE IF EXISTS "sessions"')
