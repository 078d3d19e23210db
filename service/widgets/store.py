"""Business rules for widgets: plain functions over the models."""

import functools
from dataclasses import dataclass
from datetime import datetime

import peewee

from service.clock import utc_today
from service.db.models import User, Widget, db
from service.db.prepared import Prepared
from service.errors import Conflict, NotFound, ValidationFailed
from service.widgets.dates import DeadlineError, parse_deadline

ROWS_REMEMBERED = 4096  # a few MB per worker: every widget of a busy first page many times over


@dataclass(frozen=True, slots=True)
class WidgetRow:
    """A widget as shown to clients, its owner's public fields included."""

    name: str
    info_url: str
    created_at: datetime
    deadline: datetime
    owner_email: str
    owner_public_id: str


def _shown_columns():
    return Widget.select(
        Widget.name, Widget.info_url, Widget.created_at, Widget.deadline,
        User.email, User.public_id,
    ).join(User)


def _listing(limit, offset):
    """The count of all widgets joined to one page of them: one statement, so one snapshot.

    The count is the left side, so a page past the end still gives one row, the count's.
    """
    everything = Widget.select(peewee.fn.COUNT(Widget.id).alias("total")).alias("everything")
    shown = (
        Widget.select(
            Widget.id, Widget.name, Widget.info_url, Widget.created_at, Widget.deadline,
            User.email, User.public_id,
        )
        .join(User)
        .order_by(Widget.created_at, Widget.id)
        .limit(limit)
        .offset(offset)
        .alias("shown")
    )
    columns = [shown.c.name, shown.c.info_url, shown.c.created_at, shown.c.deadline,
               shown.c.email, shown.c.public_id]
    return (
        peewee.Select(from_list=[everything], columns=[everything.c.total, *columns])
        .join(shown, peewee.JOIN.LEFT_OUTER, on=peewee.SQL("1 = 1"))
        .order_by(shown.c.created_at, shown.c.id)
        .bind(db)
    )


_FIND = Prepared(lambda name: _shown_columns().where(Widget.name == name), 1)
_LISTING = Prepared(_listing, 2)


@functools.lru_cache(maxsize=ROWS_REMEMBERED)
def _row(values: tuple) -> WidgetRow:
    """The widget a database row holds; the same row converts to the same widget, so each
    worker converts a row once (its text dates and ids are parsed once, not per request)."""
    name, info_url, created_at, deadline, email, public_id = values
    return WidgetRow(
        name, info_url, Widget.created_at.python_value(created_at),
        Widget.deadline.python_value(deadline), email, str(User.public_id.python_value(public_id)),
    )


def normalise_name(name: str) -> str:
    """The stored form of a widget name: names are unique whatever their case."""
    return name.lower()


def deadline_of(text: str):
    """The stored deadline for `text`; the spec's format check has normally refused bad text already."""
    try:
        return parse_deadline(text, utc_today())
    except DeadlineError as refused:  # e.g. the day ended between validation and now
        raise ValidationFailed({"deadline": str(refused)}) from None


def create(name: str, info_url: str, deadline_text: str, owner: User) -> Widget:
    """Add a widget; the unique index decides between two creates of one name.

    One INSERT is atomic on its own: no BEGIN and COMMIT around it, which on
    PostgreSQL would be two more round trips.
    """
    name = normalise_name(name)
    try:
        return Widget.create(
            name=name, info_url=info_url, deadline=deadline_of(deadline_text), owner=owner
        )
    except peewee.IntegrityError:
        raise Conflict(f"Widget name: {name} already exists, must be unique.") from None


def find(name: str) -> WidgetRow:
    """The widget with this name (any case); NotFound otherwise."""
    name = normalise_name(name)
    found = _FIND.execute(name).fetchone()
    if found is None:
        raise NotFound(f"{name} not found in database.")
    return _row(tuple(found))


def put(name: str, info_url: str, deadline_text: str, owner: User) -> tuple[str, bool]:
    """Set a widget's url and deadline, creating it owned by `owner` when the name is free.

    One upsert decides, so concurrent puts of a new name create it once and update
    it otherwise. Returns the stored name and whether this call created the widget.
    """
    name = normalise_name(name)
    upsert = Widget.insert(
        name=name, info_url=info_url, deadline=deadline_of(deadline_text), owner=owner
    ).on_conflict(
        conflict_target=[Widget.name],
        update={
            Widget.info_url: peewee.EXCLUDED.info_url,
            Widget.deadline: peewee.EXCLUDED.deadline,
        },
    )
    return name, _creates(upsert, name)


def _creates(upsert, name: str) -> bool:
    """Run `upsert` and tell, in the same transaction, whether it inserted the row."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        # A row the statement inserted has no xmax; one ON CONFLICT updated carries its own.
        # One statement, atomic on its own: no BEGIN and COMMIT round trips around it.
        return upsert.returning(peewee.SQL("xmax = 0")).tuples().execute()[0][0]
    # SQLite, one writer at a time: BEGIN IMMEDIATE holds the write lock from the look to the write.
    with db.atomic("IMMEDIATE"):
        existed = Widget.select().where(Widget.name == name).exists()
        upsert.execute()
    return not existed


def delete(name: str) -> None:
    """Remove a widget; NotFound when none has the name."""
    name = normalise_name(name)
    deleted = Widget.delete().where(Widget.name == name).execute()  # one statement: atomic
    if not deleted:
        raise NotFound(f"{name} not found in database.")


def listing(offset: int, limit: int) -> tuple[int, list]:
    """How many widgets there are, and `limit` of them from `offset`, oldest first, with owners."""
    rows = _LISTING.execute(limit, offset).fetchall()
    total = rows[0][0]
    return total, [_row(tuple(values[1:])) for values in rows if values[1] is not None]
