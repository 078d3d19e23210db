"""The service's log as production writes it: JSON lines through its own formatter."""

import io
import logging
from contextlib import contextmanager

from service.observability import JsonFormatter


@contextmanager
def captured_log():
    """Capture every record logged inside, at any level; yield a function giving the lines
    written so far, as the UTF-8 bytes production writes (a line not in UTF-8 fails the write)."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: stream.buffer.getvalue().splitlines()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
