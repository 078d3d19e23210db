"""Fold a dead worker's metrics files into one archive, so the directory stays bounded.

In multiprocess mode every worker writes `counter_<pid>.db`, `histogram_<pid>.db`
(and so on) and a scrape adds up every file. Recycled by `max_requests`, workers
would leave their files behind by the thousand. gunicorn's master calls `fold`
once a worker has died (whatever killed it): its figures are added into
`<kind>_archive.db`, written with the client's own file format so the client
reads it like any worker's, and then its files are removed.

A scrape reads under a shared lock (`reading`), the fold works under the
exclusive one: a scrape sees the figures either before the fold or after it,
never the archive and the worker's file both (counted twice) nor neither.
The archive is written beside and renamed into place, so a fold that fails
half-way leaves the old archive and the worker's files: exact, only not folded.

This module imports the client's file format alone, never `service.metrics`:
the master must not write metrics files of its own, preloaded app or not.
"""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict

ARCHIVE = "archive"  # in place of the pid in the file name; the client reads it as any other
LOCK = "metrics.lock"  # not *.db: the client reads every *.db file as figures
# How one kind of file adds into the archive. Gauges in a `live*` mode are the live workers'
# alone (the client's mark_process_dead removes them); `all` labels each series with its pid,
# so those files are kept as they are. The service declares no gauges of either kind.
ADD, MAX, MIN, LATEST = "add", "max", "min", "latest"
KINDS = {
    "counter": ADD, "histogram": ADD, "summary": ADD, "gauge_sum": ADD,
    "gauge_max": MAX, "gauge_min": MIN, "gauge_mostrecent": LATEST,
}


@contextmanager
def locked(directory: str, exclusive: bool):
    """Hold the directory's lock: shared for a reader, exclusive for a fold."""
    with open(Path(directory) / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reading(directory: str):
    """The lock a scrape holds while it reads the files: no fold moves figures meanwhile."""
    return locked(directory, exclusive=False)


def fold(directory: str, pid: int) -> int:
    """Add the dead worker `pid`'s figures into the archive and remove its files; how many it removed."""
    with locked(directory, exclusive=True):
        removed = 0
        for kind, rule in KINDS.items():
            dead = Path(directory) / f"{kind}_{pid}.db"
            if dead.exists():
                fold_file(dead, Path(directory) / f"{kind}_{ARCHIVE}.db", rule)
                dead.unlink()
                removed += 1
        return removed


def fold_file(dead: Path, archive: Path, rule: str) -> None:
    """Write the archive with `dead`'s values merged in, beside it, then put it in place."""
    values = read(archive) if archive.exists() else {}
    for key, (value, stamp) in read(dead).items():
        values[key] = merged(values.get(key), (value, stamp), rule)
    beside = archive.with_suffix(".tmp")
    beside.unlink(missing_ok=True)
    written = MmapedDict(str(beside))
    try:
        for key, (value, stamp) in values.items():
            written.write_value(key, value, stamp)
    finally:
        written.close()
    os.replace(beside, archive)


def read(path: Path) -> dict:
    return {key: (value, stamp) for key, value, stamp, _ in MmapedDict.read_all_values_from_file(str(path))}


def merged(old: tuple | None, new: tuple, rule: str) -> tuple:
    if old is None:
        return new
    if rule == ADD:
        return old[0] + new[0], max(old[1], new[1])
    if rule == MAX:
        return max(old, new)
    if rule == MIN:
        return min(old, new)
    return max(old, new, key=lambda value_stamp: value_stamp[1])  # LATEST: the newer write
