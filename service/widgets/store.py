"""Business rules for widgets: plain functions over the models."""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import peewee

from service.auth.challenges import unauthorized
from service.auth.tokens import INVALID
from service.clock import utc_today, utcnow
from service.conditions import CHANGED_MEANWHILE
from service.db.models import User, Widget, WidgetTotal, db
from service.db.prepared import Prepared
from service.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from service.widgets.dates import DeadlineError, parse_deadline

FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE
ROWS_REMEMBERED = 4096  # a few MB per worker: every widget of a busy first page many times over


@dataclass(frozen=True, slots=True)
class WidgetRow:
    """A widget as shown to clients, its owner's public fields included.

    Its hash is worked out once: the handlers remember each widget's rendering
    and tag by it, several times per widget shown.
    """

    name: str
    info_url: str
    created_at: datetime
    deadline: datetime
    owner_email: str
    owner_public_id: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        fields = (self.name, self.info_url, self.created_at, self.deadline,
                  self.owner_email, self.owner_public_id)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash


def _owner_public_id():
    """The owner's public id as text: the driver would build a UUID object for every row."""
    return User.public_id.cast("text").alias("public_id")


def _shown_columns():
    return Widget.select(
        Widget.name, Widget.info_url, Widget.created_at, Widget.deadline,
        User.email, _owner_public_id(),
    ).join(User)


def _listing(limit, offset):
    """The number of widgets joined to one page of them: one statement, so one snapshot.

    The number is the left side, so a page past the end still gives one row, the number's.
    """
    # An aggregate: one row, as the planner knows whatever the table's statistics say.
    everything = WidgetTotal.select(
        peewee.fn.COALESCE(peewee.fn.SUM(WidgetTotal.n), peewee.SQL("0")).cast("bigint").alias("total")
    ).alias("everything")
    shown = (
        Widget.select(
            Widget.id, Widget.name, Widget.info_url, Widget.created_at, Widget.deadline,
            User.email, _owner_public_id(),
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


_INSERT = Prepared(
    lambda name, info_url, created_at, deadline, owner_id: Widget.insert(
        name=name, info_url=info_url, created_at=created_at, deadline=deadline, owner=owner_id
    ).returning(),  # nothing read back: every value is known before the write
    5,
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


def create(name: str, info_url: str, deadline_text: str, owner: User) -> WidgetRow:
    """Add a widget and return it as stored; the unique index decides between two creates of one name.

    One INSERT is atomic on its own: no BEGIN and COMMIT around it, which on
    PostgreSQL would be two more round trips; every stored value is known here,
    so nothing is read back.
    """
    name = normalise_name(name)
    created_at, deadline = utcnow(), deadline_of(deadline_text)
    try:
        _INSERT.execute(name, info_url, created_at, deadline, owner.id)
    except peewee.IntegrityError as refused:
        _refuse_if_owner_gone(refused)
        raise Conflict(f"Widget name: {name} already exists, must be unique.") from None
    return WidgetRow(name, info_url, created_at, deadline, owner.email, str(owner.public_id))


def find(name: str) -> WidgetRow:
    """The widget with this name (any case); NotFound otherwise."""
    name = normalise_name(name)
    found = _current(name)
    if found is None:
        raise NotFound(f"{name} not found in database.")
    return found


Check = Callable[[WidgetRow | None], None]


def put(
    name: str, info_url: str, deadline_text: str, owner: User, check: Check | None = None
) -> tuple[WidgetRow, bool]:
    """Set a widget's url and deadline, creating it owned by `owner` when the name is free.

    One upsert decides, so concurrent puts of a new name create it once and update
    it otherwise. With `check` (the client's preconditions: it raises to refuse the
    widget as it stands, or None for no widget), the write happens only if the widget
    is still the one checked. Returns the widget as stored and whether this call
    created it.
    """
    name = normalise_name(name)
    deadline = deadline_of(deadline_text)
    try:
        return _put(name, info_url, deadline, owner, check)
    except peewee.IntegrityError as refused:
        _refuse_if_owner_gone(refused)
        raise


def _refuse_if_owner_gone(refused: peewee.IntegrityError) -> None:
    """401 when a write failed on its owner's foreign key, the owner deleted meanwhile: the
    administrator's token is refused from then on (and the widget, which would go with them,
    is not written). Told by the error itself, as a transaction it aborted can run no query."""
    if any(_is_foreign_key_violation(error) for error in _chain(refused)):
        raise unauthorized(INVALID, refused_token=True)


def _chain(error: BaseException):
    """The error and the errors it was raised from: the driver's error keeps its SQLSTATE."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _is_foreign_key_violation(error: BaseException) -> bool:
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return code == FOREIGN_KEY_VIOLATION or "FOREIGN KEY constraint failed" in str(error)


def _put(name: str, info_url: str, deadline, owner: User, check: Check | None) -> tuple[WidgetRow, bool]:
    if check is None and isinstance(db.obj, peewee.PostgresqlDatabase):
        return _upsert_returning(name, info_url, deadline, owner)
    with _writing():
        if check is None:
            upsert = Widget.insert(
                name=name, info_url=info_url, deadline=deadline, owner=owner
            ).on_conflict(
                conflict_target=[Widget.name],
                update={
                    Widget.info_url: peewee.EXCLUDED.info_url,
                    Widget.deadline: peewee.EXCLUDED.deadline,
                },
            )
            created = _creates(upsert, name)
        else:
            created = _put_checked(name, info_url, deadline, owner, check)
        return find(name), created


# PostgreSQL's upsert and the row it leaves, owner included, in one statement: a PUT waits for
# the database once, and the widget it answers with (and its ETag) is the one it wrote.
_UPSERT_RETURNING = """
WITH up AS (
    INSERT INTO widgets (name, info_url, created_at, deadline, owner_id)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (name) DO UPDATE SET info_url = EXCLUDED.info_url, deadline = EXCLUDED.deadline
    RETURNING name, info_url, created_at, deadline, owner_id, (xmax = 0) AS created
)
SELECT up.name, up.info_url, up.created_at, up.deadline, users.email, CAST(users.public_id AS text),
    up.created
FROM up JOIN users ON users.id = up.owner_id
"""


def _upsert_returning(name: str, info_url: str, deadline, owner: User) -> tuple[WidgetRow, bool]:
    """Create or update in one statement (PostgreSQL); the widget as stored, and whether it is new."""
    cursor = db.execute_sql(_UPSERT_RETURNING, (name, info_url, utcnow(), deadline, owner.id))
    *values, created = cursor.fetchone()
    return _row(tuple(values)), created


def _writing():
    """A transaction for a write that reads first: on SQLite, holding the write lock from the start."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        return db.atomic()
    return db.atomic("IMMEDIATE")


def _current(name: str) -> WidgetRow | None:
    """The widget with this stored name, or None."""
    found = _FIND.execute(name).fetchone()
    return None if found is None else _row(tuple(found))


def _unchanged(current: WidgetRow):
    """The widget named so, still with the stored fields of `current`: the compare of compare-and-set."""
    return (
        (Widget.name == current.name)
        & (Widget.info_url == current.info_url)
        & (Widget.deadline == current.deadline)
        & (Widget.created_at == current.created_at)
    )


def _put_checked(name: str, info_url: str, deadline, owner: User, check: Check) -> bool:
    """Create or update as the preconditions allow, in one statement that fails if the widget
    changed (or appeared) since it was checked: a concurrent writer gets the 412, never a lost update."""
    current = _current(name)
    check(current)
    if current is None:
        written = Widget.insert(
            name=name, info_url=info_url, deadline=deadline, owner=owner
        ).on_conflict_ignore().as_rowcount().execute()
    else:
        written = Widget.update(info_url=info_url, deadline=deadline).where(
            _unchanged(current)
        ).execute()
    if not written:
        raise PreconditionFailed(CHANGED_MEANWHILE)
    return current is None


def _creates(upsert, name: str) -> bool:
    """Run `upsert` and tell whether it inserted the row; inside `_writing()`'s transaction."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        # A row the statement inserted has no xmax; one ON CONFLICT updated carries its own.
        return upsert.returning(peewee.SQL("xmax = 0")).tuples().execute()[0][0]
    # SQLite, one writer at a time: BEGIN IMMEDIATE holds the write lock from the look to the write.
    existed = Widget.select().where(Widget.name == name).exists()
    upsert.execute()
    return not existed


def delete(name: str, check: Check | None = None) -> None:
    """Remove a widget; NotFound when none has the name. With `check` (preconditions), only
    the widget as checked is removed."""
    name = normalise_name(name)
    if check is None:
        deleted = Widget.delete().where(Widget.name == name).execute()  # one statement: atomic
        if not deleted:
            raise NotFound(f"{name} not found in database.")
        return
    with _writing():
        current = _current(name)
        if current is None:  # preconditions do not apply to what would be a 404 (RFC 9110 13.2.1)
            raise NotFound(f"{name} not found in database.")
        check(current)
        if not Widget.delete().where(_unchanged(current)).execute():
            raise PreconditionFailed(CHANGED_MEANWHILE)


def listing(offset: int, limit: int) -> tuple[int, list]:
    """How many widgets there are, and `limit` of them from `offset`, oldest first, with owners."""
    rows = _LISTING.execute(limit, offset).fetchall()
    total = rows[0][0]
    return total, [_row(tuple(values[1:])) for values in rows if values[1] is not None]
