"""Which address a request comes from, for the per-address limit: X-Forwarded-For only via trusted proxies."""

import ipaddress

import pytest

from service.auth.addresses import client_address, limit_key
from tests.support.inprocess import PASSWORD, random_email

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


def test_zone_id_is_dropped_however_long():
    assert client_address("10.0.0.2", "fe80::1%" + "A" * 142, PROXIES) == "fe80::1"


def test_ipv4_mapped_ipv6_is_the_ipv4_address():
    assert client_address("10.0.0.2", "::ffff:203.0.113.9", PROXIES) == "203.0.113.9"


def test_ipv4_mapped_peer_is_matched_against_ipv4_proxies():
    assert client_address("::ffff:10.0.0.2", "203.0.113.9", PROXIES) == "203.0.113.9"


def test_addresses_take_their_canonical_form():
    assert client_address("2001:DB8:0:0:0:0:0:1", None, ()) == "2001:db8::1"


@pytest.mark.parametrize("hop", ["203.0.113.9:4711", "[203.0.113.9]:443", " 203.0.113.9 "])
def test_hop_written_with_a_port_or_spaces_names_its_address(hop):
    assert client_address("10.0.0.2", hop, PROXIES) == "203.0.113.9"


def test_bracketed_ipv6_hop_with_a_port_names_its_address():
    assert client_address("10.0.0.2", "[2001:db8::1]:443", PROXIES) == "2001:db8::1"


@pytest.mark.parametrize("hop", ["[2001:db8::1", "203.0.113.9:http", "1.2.3.4:123456", "", "x" * 5000])
def test_malformed_hop_stops_the_walk_at_the_proxy(hop):
    assert client_address("10.0.0.2", hop, PROXIES) == "10.0.0.2"


def test_peer_that_is_not_an_address_is_one_shared_bucket():
    assert client_address("", None, ()) == "unknown"


def test_ipv6_clients_are_limited_by_their_64():
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")


def test_ipv4_clients_are_limited_by_their_address():
    assert limit_key("203.0.113.9") == "203.0.113.9"


def register_via_proxy(client, forwarded_for: str):
    return client.simulate_post(
        "/api/v1/auth/register",
        json={"email": random_email(), "password": PASSWORD},
        remote_addr="10.0.0.5",
        headers={"X-Forwarded-For": forwarded_for},
    )


GARBAGE = [
    "fe80::1%" + "A" * 142,
    "::ffff:" + "9" * 200,
    "[" + "f" * 300 + "]:1",
    "203.0.113.1, , ,",
    "\u00e9t\u00e9, 203.0.113.1",
    ",".join(["203.0.113.1"] * 500),
]


# OWASP Authentication Cheat Sheet: what a trusted proxy forwards is input like any other.
@pytest.mark.parametrize("forwarded_for", GARBAGE)
def test_garbage_forwarded_for_from_a_trusted_proxy_is_not_an_error(client_with, forwarded_for):
    client = client_with(AUTH_RATE_LIMIT="30/60", TRUSTED_PROXIES="10.0.0.0/8")
    assert register_via_proxy(client, forwarded_for).status_code == 201
    login = client.simulate_post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.com", "password": PASSWORD},
        remote_addr="10.0.0.5",
        headers={"X-Forwarded-For": forwarded_for},
    )
    assert login.status_code == 401


@pytest.mark.parametrize(
    "first, second",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::2"),
        ("203.0.113.1", "::ffff:203.0.113.1"),
        ("2001:db8::1", "2001:0DB8:0000::1%eth0"),
    ],
)
def test_spellings_of_one_client_share_one_address_budget(client_with, first, second):
    client = client_with(AUTH_RATE_LIMIT="1/60", TRUSTED_PROXIES="10.0.0.0/8")
    assert register_via_proxy(client, first).status_code == 201
    assert register_via_proxy(client, second).status_code == 429
