"""Accounts by email: users.email_verified, the mailed keys, the mail outbox.

Users that exist before this migration are not verified: nothing has proven
their addresses (with EMAIL_VERIFICATION=mandatory they verify through resend).
"""

from datetime import datetime

from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class EmailKey(Model):
        user = ForeignKeyField(User, backref="email_keys", on_delete="CASCADE")
        kind = CharField(max_length=16)
        key_hash = CharField(max_length=64, unique=True)
        new_email = CharField(max_length=254, null=True)
        created_at = DateTimeField(default=datetime.utcnow)
        expires_at = DateTimeField(index=True)
        spent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "email_keys"
            indexes = ((("user", "kind"), False),)

    class OutboxMail(Model):
        message_id = CharField(max_length=255, unique=True)
        recipient = CharField(max_length=254)
        subject = CharField(max_length=255)
        body = TextField()
        created_at = DateTimeField(default=datetime.utcnow)
        due_at = DateTimeField()
        attempts = IntegerField(default=0)
        state = CharField(max_length=8, default="pending")
        sent_at = DateTimeField(null=True)
        last_error = CharField(max_length=500, null=True)

        class Meta:
            database = db
            table_name = "mail_outbox"
            indexes = ((("state", "due_at"), False),)

    db.execute_sql('ALTER TABLE "users" ADD COLUMN "email_verified" BOOLEAN NOT NULL DEFAULT FALSE')
    db.create_tables([EmailKey, OutboxMail])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "mail_outbox"')
    db.execute_sql('DROP TABLE IF EXISTS "email_keys"')
    db.execute_sql('ALTER TABLE "users" DROP COLUMN "email_verified"')
