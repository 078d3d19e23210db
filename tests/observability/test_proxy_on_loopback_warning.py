"""A proxy on this host with TRUSTED_PROXIES unset makes every client loopback: say so once."""

import falcon.testing

from service.ops import Scrapers
from service.settings import LOOPBACK


def test_a_forwarded_scrape_from_loopback_without_trusted_proxies_warns_once(caplog):
    scrapers = Scrapers(allow_from=LOOPBACK, trusted_proxies=())
    for _ in range(3):
        req = falcon.testing.create_req(path="/metrics", remote_addr="127.0.0.1",
                                        headers={"X-Forwarded-For": "203.0.113.9"})
        scrapers.admit(req)
    assert caplog.text.count("TRUSTED_PROXIES is unset") == 1
