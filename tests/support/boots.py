"""What each gunicorn worker found at its fork and what its first answer cost it.

`recording(directory)` is configuration text for `gunicorn.config_with`: hooks that
make every worker, new or recycled, write one JSON file named by its pid once it has
answered its first request. Tests assert on it; bench/worker_boot.py prints it.
"""

import json
import time
from pathlib import Path

HOOKS = """
import os as _os, random as _random, sys as _sys, time as _time, json as _json

_shipped_post_fork = post_fork

def post_fork(server, worker):
    worker.boot = {"forked": _time.monotonic(), "modules": len(_sys.modules),
                   "app_built": server.app.callable is not None}
    _shipped_post_fork(server, worker)

def post_request(worker, req, environ, resp):
    boot = getattr(worker, "boot", None)
    if boot is None or "served" in boot:
        return
    # A child's CPU clock starts at zero at its fork.
    boot.update(served=_time.monotonic(), cpu=_time.process_time(),
                modules_served=len(_sys.modules), masters_app=worker.wsgi is worker.app.callable,
                drawn=_random.random())
    with open(_os.path.join(%r, f"{_os.getpid()}.json"), "w") as out:
        _json.dump(boot, out)
"""


def recording(directory: Path) -> str:
    """The hooks, writing to `directory`."""
    return HOOKS % str(directory)


def records(directory: Path, count: int = 0, seconds: float = 30) -> list:
    """The records written so far, once there are at least `count` of them."""
    deadline = time.monotonic() + seconds
    while True:
        found = [json.loads(path.read_text()) for path in Path(directory).glob("*.json")]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} workers answered, not {count}")
        time.sleep(0.1)


def first_answer_ms(record: dict) -> float:
    """Milliseconds from the worker's fork to the end of its first answer."""
    return 1000 * (record["served"] - record["forked"])
