"""Entity tags of a widget and of a page of widgets: digests of what is stored, never of the clock.

A widget's tag covers its stored fields (name, info_url, created_at, deadline,
owner), so it changes when, and only when, one of them does; `deadline_passed`
and `time_remaining` are worked out from the deadline at each request.
"""

import functools

from service.conditions import entity_tag

TAGS_REMEMBERED = 4096  # a tag is a pure function of the widget's stored fields


@functools.lru_cache(maxsize=TAGS_REMEMBERED)
def widget_tag(widget) -> str:
    """The tag of one widget (a store.WidgetRow)."""
    return entity_tag(*_stored(widget))


def page_tag(prefix: str, number: int, per_page: int, total: int, widgets: list) -> str:
    """The tag of one page: where it is, how many there are in all, and each widget on it
    (by its own tag, a digest of its stored fields)."""
    return entity_tag(prefix, number, per_page, total, *map(widget_tag, widgets))


def _stored(widget) -> tuple:
    return (
        widget.name, widget.info_url, widget.created_at.isoformat(), widget.deadline.isoformat(),
        widget.owner_public_id,
    )
