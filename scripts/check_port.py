"""Say, before anything starts, whether gunicorn can listen on HOST:PORT, and what to do if not.

scripts/serve runs it with the system's Python, before installing anything: a taken or
mistyped port is one `error:` line naming PORT, and nothing else is printed or left behind.
"""

import errno
import os
import re
import socket
import sys

SEARCHED = 20  # ports above a taken one tried for a free one to suggest


def port_from_env() -> int:
    """PORT as gunicorn.conf.py reads it: plain digits from 1 to 65535, 8000 when unset or empty."""
    raw = os.environ.get("PORT", "")
    if not raw.strip():
        return 8000
    if not re.fullmatch(r"[0-9]{1,12}", raw.strip()) or not 1 <= int(raw) <= 65535:
        sys.exit(f"error: PORT must be a whole number from 1 to 65535, not {raw!r}")
    return int(raw)


def can_listen(host: str, port: int) -> OSError | None:
    """None when a listening socket binds as gunicorn's would (SO_REUSEADDR); else the error."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            probe.listen(1)
    except OSError as refused:
        return refused
    return None


def main() -> None:
    host = os.environ.get("HOST", "0.0.0.0")
    port = port_from_env()
    refused = can_listen(host, port)
    if refused is None:
        return
    free = next(
        (other for other in range(port + 1, min(port + SEARCHED, 65535) + 1)
         if other >= 1024 and can_listen(host, other) is None),
        None,
    )
    choose = f"choose another with PORT, for example: PORT={free or 8080} bash scripts/serve"
    if refused.errno == errno.EADDRINUSE:
        sys.exit(f"error: port {port} is already in use (another server, or this one already "
                 f"running?); {choose}")
    if refused.errno == errno.EACCES:
        sys.exit(f"error: port {port} needs root to listen on; {choose}")
    sys.exit(f"error: cannot listen on {host}:{port} ({refused.strerror}); check HOST and PORT")


if __name__ == "__main__":
    main()
