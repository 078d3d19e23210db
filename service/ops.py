"""Liveness and readiness probes and the metrics scrape, for operators."""

import falcon

from service import metrics
from service.auth.addresses import client_address, parse_address
from service.db.connection import pending_migrations, schema_behind
from service.errors import ServiceUnavailable


class OpsHandlers:
    """ops.* operations."""

    def __init__(self, database, metrics_allow_from: tuple = (), trusted_proxies: tuple = ()):
        self.database = database
        self.metrics_allow_from = tuple(metrics_allow_from)
        self.trusted_proxies = tuple(trusted_proxies)

    def health(self, req, resp):
        """Answer while the process is up, without touching the database."""
        resp.media = {"status": "ok"}

    def ready(self, req, resp):
        """Answer once the database answers with an up-to-date schema; else 503 with the reason.

        An unreachable database raises here, and becomes the 503 of the app's handler.
        """
        pending = pending_migrations(self.database)
        if pending:
            raise ServiceUnavailable(schema_behind(pending))
        resp.media = {"status": "ok"}

    def metrics(self, req, resp):
        """Show the Prometheus figures to the addresses allowed to scrape; to others, no such path."""
        if not self._may_scrape(req):
            raise falcon.HTTPNotFound()  # the very answer of an unknown path
        resp.content_type = metrics.CONTENT_TYPE
        resp.data = metrics.exposition()

    def _may_scrape(self, req) -> bool:
        forwarded_for = req.get_header("X-Forwarded-For")
        address = parse_address(client_address(req.remote_addr, forwarded_for, self.trusted_proxies))
        return address is not None and any(address in net for net in self.metrics_allow_from)
