"""HTTP handlers for the widget operations."""

import functools

from service.clock import utcnow
from service.conditions import Preconditions
from service.public_urls import PublicUrls
from service.widgets import store
from service.widgets.dates import display, iso8601, rfc822, time_remaining
from service.widgets.pagination import Page, offset_of
from service.widgets.tags import page_tag, widget_tag


class WidgetHandlers:
    """widgets.* operations; paths come from the spec, never restated here."""

    def __init__(self, collection_path: str, item_path: str, urls: PublicUrls):
        self.collection_path = collection_path
        self.item_path = item_path
        self.urls = urls

    def list(self, req, resp):
        """Show one page of widgets with links to the others."""
        number, per_page = req.context.inputs.query["page"], req.context.inputs.query["per_page"]
        prefix = self.urls.prefix(req)
        total, widgets = store.listing(offset_of(number, per_page), per_page)
        page = Page(number, per_page, total)
        now = utcnow()
        resp.set_headers(page.headers(prefix, self.collection_path))
        if self._not_modified(req, resp, page_tag(prefix, number, per_page, total, widgets)):
            return
        resp.media = page.envelope(self.collection_path, [self._widget(w, now) for w in widgets])

    def create(self, req, resp):
        """Add a widget owned by the calling administrator."""
        body = req.context.inputs.body
        prefix = self.urls.prefix(req)
        widget = store.create(body["name"], body["info_url"], body["deadline"], req.context.user)
        self._created(resp, prefix, widget)

    def get(self, req, resp):
        """Show one widget, or only say that the client's copy is current (304)."""
        widget = store.find(req.context.inputs.path["name"])
        if self._not_modified(req, resp, widget_tag(widget)):
            return
        resp.media = self._widget(widget, utcnow())

    def update(self, req, resp):
        """Change a widget, or create it when the name is free; If-Match and If-None-Match
        make either conditional."""
        body = req.context.inputs.body
        prefix = self.urls.prefix(req)
        widget, created = store.put(
            req.context.inputs.path["name"], body["info_url"], body["deadline"], req.context.user,
            _write_check(req),
        )
        if created:
            self._created(resp, prefix, widget)
        else:
            resp.set_header("ETag", widget_tag(widget))
            resp.media = {"status": "success", "message": f"'{widget.name}' was successfully updated"}

    def delete(self, req, resp):
        """Remove a widget; If-Match and If-None-Match make it conditional."""
        store.delete(req.context.inputs.path["name"], _write_check(req))
        resp.status = 204

    def _not_modified(self, req, resp, tag: str) -> bool:
        """Send `tag`; answer 412 when If-Match does not name it, else 304 without a body when
        If-None-Match does."""
        resp.set_header("ETag", tag)
        if _preconditions(req).not_modified(tag):
            resp.status = 304
            return True
        return False

    def _created(self, resp, prefix: str, widget) -> None:
        resp.status = 201
        resp.location = prefix + _link(self.item_path, widget.name)
        resp.set_header("ETag", widget_tag(widget))
        resp.media = {"status": "success", "message": f"New widget added: {widget.name}."}

    def _widget(self, widget, now) -> dict:
        """The widget as clients see it: its stored fields, rendered once, and its countdown now."""
        shown = dict(_rendered(widget, self.item_path))
        shown["deadline_passed"] = now >= widget.deadline
        shown["time_remaining"] = time_remaining(widget.deadline, now)
        return shown


@functools.lru_cache(maxsize=store.ROWS_REMEMBERED)
def _rendered(widget, item_path: str) -> dict:
    """What a widget shows that only its stored fields decide; the countdown is left to fill in.

    A listing shows the same widgets again and again, so each is rendered once per worker;
    callers copy the dict before filling it in.
    """
    return {
        "name": widget.name,
        "info_url": widget.info_url,
        "created_at": display(widget.created_at),
        "created_at_iso8601": iso8601(widget.created_at),
        "created_at_rfc822": rfc822(widget.created_at),
        "deadline": display(widget.deadline),
        "deadline_iso8601": iso8601(widget.deadline),
        "deadline_passed": None,
        "time_remaining": None,
        "owner": {"email": widget.owner_email, "public_id": widget.owner_public_id},
        "link": _link(item_path, widget.name),
    }


def _link(item_path: str, name: str) -> str:
    return item_path.replace("{name}", name)


def _preconditions(req) -> Preconditions:
    headers = req.context.inputs.headers
    return Preconditions.from_headers(headers.get("If-Match"), headers.get("If-None-Match"))


def _write_check(req):
    """The store's check of the widget as it stands against the request's preconditions, if any."""
    preconditions = _preconditions(req)
    if not preconditions:
        return None
    return lambda current: preconditions.check_write(None if current is None else widget_tag(current))
