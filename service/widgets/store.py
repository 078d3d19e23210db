"""Business rules for widgets: plain functions over the models."""

from dataclasses import dataclass
from datetime import datetime

import peewee

from service.db.models import User, Widget, db
from service.db.prepared import Prepared
from service.errors import Conflict, NotFound, ValidationFailed
from service.widgets.dates import DeadlineError, parse_deadline, utc_today


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


_FIND = Prepared(lambda name: _shown_columns().where(Widget.name == name), 1)
_PAGE = Prepared(
    lambda limit, offset: _shown_columns()
    .order_by(Widget.created_at, Widget.id)
    .limit(limit)
    .offset(offset),
    2,
)
_COUNT = Prepared(lambda: Widget.select(peewee.fn.COUNT(Widget.id)), 0)


def _row(values) -> WidgetRow:
    name, info_url, created_at, deadline, email, public_id = values
    return WidgetRow(
        name, info_url, Widget.created_at.python_value(created_at),
        Widget.deadline.python_value(deadline), email, str(User.public_id.python_value(public_id)),
    )


def normalise_name(name: str) -> str:
    return name.lower()


def deadline_of(text: str):
    """The stored deadline for `text`; the spec's format check has normally refused bad text already."""
    try:
        return parse_deadline(text, utc_today())
    except DeadlineError as refused:  # e.g. the day ended between validation and now
        raise ValidationFailed({"deadline": str(refused)}) from None


def create(name: str, info_url: str, deadline_text: str, owner: User) -> Widget:
    """Add a widget; the unique index decides between two creates of one name."""
    name = normalise_name(name)
    try:
        with db.atomic():
            return Widget.create(
                name=name,
                info_url=info_url,
                deadline=deadline_of(deadline_text),
                owner=owner,
            )
    except peewee.IntegrityError:
        raise Conflict(f"Widget name: {name} already exists, must be unique.") from None


def find(name: str) -> WidgetRow:
    """The widget with this name (any case); NotFound otherwise."""
    found = _FIND.execute(normalise_name(name)).fetchone()
    if found is None:
        raise NotFound(f"{normalise_name(name)} not found in database.")
    return _row(found)


def update(name: str, info_url: str, deadline_text: str) -> bool:
    """Change a widget's url and deadline; False when no widget has the name."""
    with db.atomic():
        changed = (
            Widget.update(info_url=info_url, deadline=deadline_of(deadline_text))
            .where(Widget.name == normalise_name(name))
            .execute()
        )
    return changed > 0


def delete(name: str) -> None:
    """Remove a widget; NotFound when none has the name."""
    with db.atomic():
        deleted = Widget.delete().where(Widget.name == normalise_name(name)).execute()
    if not deleted:
        raise NotFound(f"{normalise_name(name)} not found in database.")


def count() -> int:
    return _COUNT.execute().fetchone()[0]


def page(offset: int, limit: int) -> list:
    """One page of widgets, oldest first, owners joined in the same query."""
    return [_row(values) for values in _PAGE.execute(limit, offset).fetchall()]
