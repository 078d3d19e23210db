"""Keep the number of widgets in a small table, so a listing reads its total at once.

Counting the widgets scanned every one of them on each listing, a cost that grew
with the table (at 1,000 widgets, most of the database's time for a page). The
triggers keep the total in step within the writing transaction, so the total a
listing reads is in the same snapshot as the page it reads with it.

On PostgreSQL the total is the sum of SLOTS rows, and each session adds to the
row its process id picks: a writer holds its row's lock until it commits, WAL
flush included, and with a single row concurrent creates would queue on it. On
SQLite, where one transaction writes at a time, one row is enough.
"""

import peewee

SLOTS = 16

POSTGRESQL = [
    'LOCK TABLE "widgets" IN SHARE ROW EXCLUSIVE MODE',  # no write slips between count and trigger
    'CREATE TABLE "widget_total" ("slot" INTEGER PRIMARY KEY, "n" BIGINT NOT NULL)',
    f'INSERT INTO "widget_total" SELECT slot, 0 FROM generate_series(0, {SLOTS - 1}) AS slot',
    'UPDATE "widget_total" SET "n" = (SELECT COUNT(*) FROM "widgets") WHERE "slot" = 0',
    f"""CREATE FUNCTION "widget_total_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE "widget_total" SET "n" = "n" + 1 WHERE "slot" = mod(pg_backend_pid(), {SLOTS});
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE "widget_total" SET "n" = "n" - 1 WHERE "slot" = mod(pg_backend_pid(), {SLOTS});
    ELSE
        UPDATE "widget_total" SET "n" = 0;
    END IF;
    RETURN NULL;
END $$""",
    (
        'CREATE TRIGGER "widget_total_rows" AFTER INSERT OR DELETE ON "widgets" '
        'FOR EACH ROW EXECUTE FUNCTION "widget_total_follow"()'
    ),
    (
        'CREATE TRIGGER "widget_total_truncate" AFTER TRUNCATE ON "widgets" '
        'FOR EACH STATEMENT EXECUTE FUNCTION "widget_total_follow"()'
    ),
]
SQLITE = [
    'CREATE TABLE "widget_total" ("slot" INTEGER PRIMARY KEY, "n" INTEGER NOT NULL)',
    'INSERT INTO "widget_total" VALUES (0, (SELECT COUNT(*) FROM "widgets"))',
    (
        'CREATE TRIGGER "widget_total_insert" AFTER INSERT ON "widgets" '
        'BEGIN UPDATE "widget_total" SET "n" = "n" + 1; END'
    ),
    (
        'CREATE TRIGGER "widget_total_delete" AFTER DELETE ON "widgets" '
        'BEGIN UPDATE "widget_total" SET "n" = "n" - 1; END'
    ),
]


def up(migrator, db):
    for statement in POSTGRESQL if isinstance(db, peewee.PostgresqlDatabase) else SQLITE:
        db.execute_sql(statement)


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "widget_total"')
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql('DROP FUNCTION IF EXISTS "widget_total_follow"() CASCADE')
    else:
        db.execute_sql('DROP TRIGGER IF EXISTS "widget_total_insert"')
        db.execute_sql('DROP TRIGGER IF EXISTS "widget_total_delete"')
