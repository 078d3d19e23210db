"""The client's address, trusting X-Forwarded-For only as far as configured proxies vouch for it.

Addresses are normalised before anything compares, stores or keys on them: a
zone id (`fe80::1%eth0`, meaningful only on the proxy's own link) is dropped,
an IPv4-mapped IPv6 address is its IPv4 address, and every address takes its
canonical text form; anything else is not an address. The limits count an IPv6
client by its /64 network, the block one host or subscriber usually holds.
"""

import ipaddress
import re

UNKNOWN = "unknown"
IPV6_LIMIT_PREFIX = 64
PORT = re.compile(r"[0-9]{1,5}")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    """Walk X-Forwarded-For from the right while each hop is a trusted proxy; the first other is the client.

    With no trusted proxies (the default), the peer's address is the client's
    and X-Forwarded-For, which anyone can send, is ignored. A hop that is not
    an address stops the walk at the last trusted one.
    """
    address = parse_address(remote_addr)
    if address is None:
        return UNKNOWN
    if not forwarded_for or not _trusted(address, trusted):
        return str(address)
    for hop in reversed(forwarded_for.split(",")):
        parsed = parse_address(hop)
        if parsed is None:
            break
        address = parsed
        if not _trusted(parsed, trusted):
            break
    return str(address)


def limit_key(address: str) -> str:
    """What the per-address limits count: an IPv4 address, or the /64 network of an IPv6 one."""
    parsed = parse_address(address)
    if parsed is None:
        return UNKNOWN
    if parsed.version == 6:
        return str(ipaddress.IPv6Network((parsed, IPV6_LIMIT_PREFIX), strict=False))
    return str(parsed)


def parse_address(text: str | None) -> Address | None:
    """An address as a proxy may write it (`[v6]:port` and `v4:port` included), normalised; None if not one."""
    host = (text or "").strip()
    if host.startswith("["):
        host, closed, port = host[1:].partition("]")
        if not closed or (port and not (port[0] == ":" and PORT.fullmatch(port[1:]))):
            return None
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
        if not PORT.fullmatch(port):
            return None
    host = host.partition("%")[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple) -> bool:
    return any(address in network for network in networks)
