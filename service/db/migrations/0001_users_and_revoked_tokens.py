"""Create the users and revoked_tokens tables."""

import uuid
from datetime import datetime

from peewee import BooleanField, CharField, DateTimeField, Model, UUIDField


def up(migrator, db):
    class User(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        email = CharField(max_length=254, unique=True)
        password_hash = CharField(max_length=255)
        admin = BooleanField(default=False)
        registered_on = DateTimeField(default=datetime.utcnow)

        class Meta:
            database = db
            table_name = "users"

    class RevokedToken(Model):
        jti = CharField(max_length=64, unique=True)
        expires_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "revoked_tokens"

    db.create_tables([User, RevokedToken])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "revoked_tokens"')
    db.execute_sql('DROP TABLE IF EXISTS "users"')
