"""HTTP handlers for the users.* operations (administrators)."""

from datetime import UTC

from service.public_urls import PublicUrls
from service.users import store
from service.widgets.pagination import Page, offset_of


class UserHandlers:
    """users.* operations; paths come from the spec, never restated here."""

    def __init__(self, collection_path: str, item_path: str, urls: PublicUrls):
        self.collection_path = collection_path
        self.item_path = item_path
        self.urls = urls

    def list(self, req, resp):
        """Show one page of users with links to the others."""
        number, per_page = req.context.inputs.query["page"], req.context.inputs.query["per_page"]
        prefix = self.urls.prefix(req)
        total, users = store.listing(offset_of(number, per_page), per_page)
        page = Page(number, per_page, total)
        resp.set_headers(page.headers(prefix, self.collection_path))
        resp.media = page.envelope(self.collection_path, [self._user(user) for user in users])

    def get(self, req, resp):
        """Show one user."""
        resp.media = self._user(store.find(req.context.inputs.path["public_id"]))

    def update(self, req, resp):
        """Grant or take administrator rights; a merge patch without `admin` changes nothing."""
        public_id = req.context.inputs.path["public_id"]
        if "admin" not in req.context.inputs.body:
            resp.media = self._user(store.find(public_id))
            return
        admin = req.context.inputs.body["admin"]
        if isinstance(admin, str):  # a form sends the words
            admin = admin == "true"
        resp.media = self._user(store.set_admin(public_id, admin))

    def delete(self, req, resp):
        """Remove a user, their sessions and their widgets."""
        store.delete(req.context.inputs.path["public_id"])
        resp.status = 204

    def _user(self, user) -> dict:
        public_id = str(user.public_id)
        return {
            "email": user.email,
            "public_id": public_id,
            "admin": user.admin,
            "registered_on": user.registered_on.replace(tzinfo=UTC).isoformat(timespec="seconds"),
            "link": self.item_path.replace("{public_id}", public_id),
        }
