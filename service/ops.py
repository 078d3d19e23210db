"""Liveness and readiness probes and the metrics scrape, for operators."""

import logging

import falcon
import peewee
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from service import metrics
from service.auth.addresses import client_address, parse_address
from service.db.connection import pending_migrations, schema_behind
from service.errors import ServiceUnavailable
from service.mail import outbox

log = logging.getLogger(__name__)


class Scrapers:
    """Who may scrape the metrics: client addresses in METRICS_ALLOW_FROM, read through TRUSTED_PROXIES."""

    def __init__(self, allow_from: tuple = (), trusted_proxies: tuple = ()):
        self.allow_from = tuple(allow_from)
        self.trusted_proxies = tuple(trusted_proxies)

    def admit(self, req) -> None:
        """Raise the 404 of an unknown path for a client not allowed to scrape."""
        forwarded_for = req.get_header("X-Forwarded-For")
        address = parse_address(client_address(req.remote_addr, forwarded_for, self.trusted_proxies))
        if forwarded_for and not self.trusted_proxies and not getattr(self, "warned", False):
            peer = parse_address(req.remote_addr)
            if peer is not None and peer.is_loopback:  # a proxy on this host: every client is it
                self.warned = True
                log.warning("a proxy on this host forwards /metrics requests and TRUSTED_PROXIES "
                            "is unset: every client looks like loopback and may scrape; set "
                            "TRUSTED_PROXIES to the proxy's address")
        if address is None or not any(address in network for network in self.allow_from):
            raise falcon.HTTPNotFound()  # the very answer of an unknown path


class MetricsGate:
    """Hide the metrics path, whatever the method, from clients not allowed to scrape it.

    It asks once the router has resolved the path (`//metrics` routes there too)
    and before any other middleware looks at the route, so a method the path
    lacks answers them 404 like any unknown path, never a 405 that would tell
    the path exists.
    """

    def __init__(self, path: str, scrapers: Scrapers):
        self.path = path
        self.scrapers = scrapers

    def process_resource(self, req, resp, resource, params):
        if resource is not None and req.uri_template == self.path:
            self.scrapers.admit(req)


class OpsHandlers:
    """ops.* operations."""

    def __init__(self, database, scrapers: Scrapers | None = None):
        self.database = database
        self.scrapers = scrapers or Scrapers()

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
        self.scrapers.admit(req)  # MetricsGate has asked already; asked again where it answers
        resp.content_type = metrics.CONTENT_TYPE
        resp.data = metrics.exposition() + outbox_exposition()


def outbox_exposition() -> bytes:
    """The mail outbox by state, read from the database (so the same from every worker and host):
    its depth (pending), and the mails sent and failed that it still holds."""
    registry = CollectorRegistry()
    registry.register(OutboxCollector())
    return generate_latest(registry)


class OutboxCollector:
    def collect(self):
        try:
            counts = outbox.counts()
        except peewee.DatabaseError:  # the database cannot serve: the other figures still show
            return
        family = GaugeMetricFamily(
            "widget_api_mail_outbox", "Mails in the outbox, by state (pending is the depth).",
            labels=["state"],
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
