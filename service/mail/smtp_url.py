"""SMTP_URL: where the mailer delivers, parsed once at start.

`smtp://[user:password@]host[:port]` speaks plain SMTP (a local relay),
`smtp+starttls://` requires STARTTLS, `smtps://` is implicit TLS. The user and
password are percent-decoded and never shown: the target's repr and every
message about a bad URL leave the password out.
"""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
FORMS = "smtp://[USER:PASSWORD@]HOST[:PORT], smtp+starttls://... or smtps://..."


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        """The target as it may be logged: scheme, user and host, never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(raw: str) -> SmtpTarget | None:
    """The target SMTP_URL names, None when unset; ValueError (with a safe message) otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ValueError(f"is malformed: use {FORMS}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"scheme {parts.scheme!r} is not supported: use {FORMS}")
    if not parts.hostname:
        raise ValueError(f"names no host: use {FORMS}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"has a path or query, which SMTP does not use: use {FORMS}")
    if (parts.password is None) != (parts.username is None) or parts.username == "":
        raise ValueError(f"needs both a user and a password, or neither: use {FORMS}")
    return SmtpTarget(
        scheme, parts.hostname, port or DEFAULT_PORTS[scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password is not None else None,
    )
