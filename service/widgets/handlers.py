"""HTTP handlers for the widget operations."""

from service.clock import utcnow
from service.public_urls import PublicUrls
from service.widgets import store
from service.widgets.dates import display, iso8601, rfc822, time_remaining
from service.widgets.pagination import Page, offset_of


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
        resp.set_header("Link", page.link_header(prefix, self.collection_path))
        resp.set_header("Total-Count", str(page.total_items))
        resp.media = {
            "links": page.links(self.collection_path),
            "has_prev": page.has_prev,
            "has_next": page.has_next,
            "page": page.page,
            "total_pages": page.total_pages,
            "items_per_page": page.per_page,
            "total_items": page.total_items,
            "items": [self._widget(w, now) for w in widgets],
        }

    def create(self, req, resp):
        """Add a widget owned by the calling administrator."""
        body = req.context.inputs.body
        prefix = self.urls.prefix(req)
        widget = store.create(body["name"], body["info_url"], body["deadline"], req.context.user)
        self._created(resp, prefix, widget.name)

    def get(self, req, resp):
        """Show one widget."""
        widget = store.find(req.context.inputs.path["name"])
        resp.media = self._widget(widget, utcnow())

    def update(self, req, resp):
        """Change a widget, or create it when the name is free."""
        body = req.context.inputs.body
        prefix = self.urls.prefix(req)
        name, created = store.put(
            req.context.inputs.path["name"], body["info_url"], body["deadline"], req.context.user
        )
        if created:
            self._created(resp, prefix, name)
        else:
            resp.media = {"status": "success", "message": f"'{name}' was successfully updated"}

    def delete(self, req, resp):
        """Remove a widget."""
        store.delete(req.context.inputs.path["name"])
        resp.status = 204

    def _created(self, resp, prefix: str, name: str) -> None:
        resp.status = 201
        resp.location = prefix + self._link(name)
        resp.media = {"status": "success", "message": f"New widget added: {name}."}

    def _link(self, name: str) -> str:
        return self.item_path.replace("{name}", name)

    def _widget(self, widget, now) -> dict:
        return {
            "name": widget.name,
            "info_url": widget.info_url,
            "created_at": display(widget.created_at),
            "created_at_iso8601": iso8601(widget.created_at),
            "created_at_rfc822": rfc822(widget.created_at),
            "deadline": display(widget.deadline),
            "deadline_iso8601": iso8601(widget.deadline),
            "deadline_passed": now >= widget.deadline,
            "time_remaining": time_remaining(widget.deadline, now),
            "owner": {"email": widget.owner_email, "public_id": widget.owner_public_id},
            "link": self._link(widget.name),
        }
