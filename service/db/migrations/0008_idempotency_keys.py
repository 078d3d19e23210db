"""Create the idempotency_keys table: the answers stored for requests that carried an Idempotency-Key.

Additive only (a new table): the release before it never reads the table, so the
migration is safe to apply while that release still serves.
"""

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class IdempotencyKey(Model):
        scope = CharField(max_length=100)
        key = CharField(max_length=255)
        fingerprint = CharField(max_length=64)
        status = IntegerField()
        location = TextField(null=True)
        etag = CharField(max_length=64, null=True)
        content_type = CharField(max_length=128, null=True)
        body = TextField()
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "idempotency_keys"
            indexes = ((("scope", "key"), True),)

    db.create_tables([IdempotencyKey])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "idempotency_keys"')
