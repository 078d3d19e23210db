"""Requests sent at once, for the race tests."""

import threading
from concurrent.futures import ThreadPoolExecutor


def together(count: int, call) -> list:
    """Run `call(i)` for i < count on as many threads, released at once."""
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
