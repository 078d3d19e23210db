"""Liveness and readiness probes for operators."""

from service.db.connection import ping


class OpsHandlers:
    """ops.* operations."""

    def __init__(self, database):
        self.database = database

    def health(self, req, resp):
        """Answer while the process is up, without touching the database."""
        resp.media = {"status": "ok"}

    def ready(self, req, resp):
        """Answer once the database answers; an unreachable one becomes the 503."""
        ping(self.database)
        resp.media = {"status": "ok"}
