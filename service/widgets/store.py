"""Business rules for widgets: plain functions over the models."""

import peewee

from service.db.models import User, Widget, db
from service.errors import Conflict, NotFound, ValidationFailed
from service.widgets.dates import DeadlineError, parse_deadline, utc_today


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


def find(name: str) -> Widget:
    """The widget with this name (any case), with its owner loaded; NotFound otherwise."""
    widget = (
        Widget.select(Widget, User)
        .join(User)
        .where(Widget.name == normalise_name(name))
        .get_or_none()
    )
    if widget is None:
        raise NotFound(f"{normalise_name(name)} not found in database.")
    return widget


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
    return Widget.select().count()


def page(offset: int, limit: int) -> list:
    """One page of widgets, oldest first, owners joined in the same query."""
    return list(
        Widget.select(Widget, User)
        .join(User)
        .order_by(Widget.created_at, Widget.id)
        .offset(offset)
        .limit(limit)
    )
