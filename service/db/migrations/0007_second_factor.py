"""Create the second factor's tables: TOTP, recovery codes, MFA tokens, passkeys, ceremonies."""

import uuid
from datetime import datetime

from peewee import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    TextField,
    UUIDField,
)

TABLES = ("webauthn_ceremonies", "passkeys", "mfa_tokens", "mfa_recovery_codes", "mfa_totp")


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Totp(Model):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        sealed_secret = CharField(max_length=255)
        confirmed_at = DateTimeField(null=True)
        last_step = BigIntegerField(null=True)

        class Meta:
            database = db
            table_name = "mfa_totp"

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete="CASCADE", index=True)
        code_hash = CharField(max_length=64, unique=True)
        used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "mfa_recovery_codes"

    class MfaToken(Model):
        token_hash = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        address_family = SmallIntegerField()
        expires_at = DateTimeField(index=True)
        spent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "mfa_tokens"

    class Passkey(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        user = ForeignKeyField(User, on_delete="CASCADE", index=True)
        credential_id = CharField(max_length=1400, unique=True)
        public_key = TextField()
        sign_count = BigIntegerField(default=0)
        name = CharField(max_length=64)
        created_at = DateTimeField(default=datetime.utcnow)
        last_used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "passkeys"

    class Ceremony(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        kind = CharField(max_length=16)
        user = ForeignKeyField(User, on_delete="CASCADE", null=True)
        challenge = CharField(max_length=128)
        expires_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "webauthn_ceremonies"

    db.create_tables([Totp, RecoveryCode, MfaToken, Passkey, Ceremony])


def down(migrator, db):
    for table in TABLES:
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
