"""The client's address, trusting X-Forwarded-For only as far as configured proxies vouch for it."""

import ipaddress


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    """Walk X-Forwarded-For from the right while each hop is a trusted proxy; the first other is the client.

    With no trusted proxies (the default), the peer's address is the client's
    and X-Forwarded-For, which anyone can send, is ignored.
    """
    address = remote_addr or "unknown"
    if not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not _valid(hop):
            return address
        address = hop
        if not _trusted(hop, trusted):
            return hop
    return address


def _valid(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _trusted(text: str, networks: tuple) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in networks)
