"""Entity tags of a widget and of a page of widgets: digests of what is stored, never of the clock.

A widget's tag covers its stored fields (name, info_url, created_at, deadline,
owner), so it changes when, and only when, one of them does; `deadline_passed`
and `time_remaining` are worked out from the deadline at each request.
"""

from service.conditions import entity_tag


def widget_tag(widget) -> str:
    """The tag of one widget (a store.WidgetRow)."""
    return entity_tag(*_stored(widget))


def page_tag(prefix: str, number: int, per_page: int, total: int, widgets: list) -> str:
    """The tag of one page: where it is, how many there are in all, and each widget on it."""
    return entity_tag(prefix, number, per_page, total, *(f for w in widgets for f in _stored(w)))


def _stored(widget) -> tuple:
    return (
        widget.name, widget.info_url, widget.created_at.isoformat(), widget.deadline.isoformat(),
        widget.owner_public_id,
    )
