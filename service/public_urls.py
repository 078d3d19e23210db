"""The origin of the absolute URLs the service writes (Location, Link).

A client follows these URLs and may send them back, so a request must not be
able to choose them: with PUBLIC_URL set they always use it; without it they
use the request's own Host header, refused (400) unless it is a plain
host[:port], so that no header can smuggle `>`, `,` or `;` into a Link value.
"""

import ipaddress
import re

from service.errors import BadRequest

BAD_HOST_MESSAGE = "Host header is not a valid host[:port]"

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*\.?|\[(?P<ipv6>[0-9A-Fa-f:.]{{2,45}})\])"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<authority>[^/?#@\s]+)/?", re.IGNORECASE)
MAX_HOST_LENGTH = 254  # a DNS name of 253 characters and its final dot


def is_host(value: str) -> bool:
    """Tell whether `value` is a DNS name, IPv4 or [IPv6] address, with an optional port."""
    match = _HOST.fullmatch(value)
    if match is None or len(match["host"]) > MAX_HOST_LENGTH:
        return False
    if match["port"] is not None and int(match["port"]) > 65535:
        return False
    if match["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return False
    return True


def parse_origin(raw: str) -> str | None:
    """PUBLIC_URL as `scheme://host[:port]` without a trailing slash; None when unset."""
    raw = raw.strip()
    if not raw:
        return None
    match = _ORIGIN.fullmatch(raw)
    if match is None or not is_host(match["authority"]):
        raise ValueError(
            "must be the origin clients reach the service at, such as https://api.example.com "
            f"(http or https, a host and an optional port; no path, query or user), not {raw!r}"
        )
    return f"{match['scheme'].lower()}://{match['authority']}"


class PublicUrls:
    """Absolute URLs for paths of the API, from the configured origin or a checked Host."""

    def __init__(self, origin: str | None):
        self.origin = origin

    def prefix(self, req) -> str:
        """Scheme, host and app root to put before a path; BadRequest for an unusable Host."""
        if self.origin is not None:
            return self.origin + req.root_path
        host = req.get_header("Host")
        if host is not None and not is_host(host):
            raise BadRequest(BAD_HOST_MESSAGE)
        return req.prefix
