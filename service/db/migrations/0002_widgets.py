"""Create the widgets table."""

from datetime import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Widget(Model):
        name = CharField(max_length=100, unique=True)
        info_url = CharField(max_length=2048)
        created_at = DateTimeField(default=datetime.utcnow, index=True)
        deadline = DateTimeField()
        owner = ForeignKeyField(User, backref="widgets", on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "widgets"

    db.create_tables([Widget])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "widgets"')
