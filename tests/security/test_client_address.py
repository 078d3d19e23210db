"""Which address a request comes from, for the per-address limit: X-Forwarded-For only via trusted proxies."""

import ipaddress

from service.auth.addresses import client_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


def test_peer_address_without_trusted_proxies_ignores_forwarded_for():
    assert client_address("198.51.100.1", "203.0.113.9", ()) == "198.51.100.1"


def test_forwarded_for_from_an_untrusted_peer_is_ignored():
    assert client_address("198.51.100.1", "203.0.113.9", PROXIES) == "198.51.100.1"


def test_trusted_proxy_names_the_client():
    assert client_address("10.0.0.2", "203.0.113.9", PROXIES) == "203.0.113.9"


def test_chain_of_trusted_proxies_is_walked_from_the_right():
    assert client_address("10.0.0.2", "203.0.113.9, 10.1.1.1, 10.2.2.2", PROXIES) == "203.0.113.9"


def test_entries_left_of_the_first_untrusted_hop_are_ignored():
    assert client_address("10.0.0.2", "6.6.6.6, 203.0.113.9", PROXIES) == "203.0.113.9"


def test_garbage_hop_stops_the_walk_at_the_last_trusted_address():
    assert client_address("10.0.0.2", "203.0.113.9, not-an-ip", PROXIES) == "10.0.0.2"


def test_all_hops_trusted_gives_the_leftmost():
    assert client_address("10.0.0.2", "10.9.9.9", PROXIES) == "10.9.9.9"


def test_missing_peer_address_is_one_shared_bucket():
    assert client_address(None, None, ()) == "unknown"
