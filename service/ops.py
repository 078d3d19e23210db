"""Liveness and readiness probes for operators."""

from service.db.connection import pending_migrations, schema_behind
from service.errors import ServiceUnavailable


class OpsHandlers:
    """ops.* operations."""

    def __init__(self, database):
        self.database = database

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
