"""gunicorn settings, all from the environment: `gunicorn -c gunicorn.conf.py`.

GUNICORN_CMD_ARGS still overrides anything here. docs/deploy.md explains how
these numbers fit the database timeouts and a platform's shutdown sequence.
"""

import atexit
import gc
import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

from service.settings import (
    LOG_LEVELS, ConfigError, Settings, choice, integer, read, warn_of_development_key,
)


def refuse_bad_settings() -> None:
    """Stop the master with one `error:` line on a configuration error, before any worker boots;
    warn, once for the master and its workers, of the development key."""
    try:
        warn_of_development_key(Settings.from_env())
    except ConfigError as refused:
        sys.exit(f"error: {refused}")


def number(name: str, default: int, minimum: int, maximum: int) -> int:
    """A whole-number setting from the environment; a bad one stops gunicorn in one line."""
    try:
        return integer(os.environ, name, default, minimum, maximum)
    except ConfigError as refused:
        sys.exit(f"error: {refused}")


# The app's settings are checked here, in the master: a worker that found them
# wrong would print a traceback, and every other worker with it.
refuse_bad_settings()

wsgi_app = "service.app:get_app()"

HOST = read(os.environ, "HOST", "0.0.0.0")
# An IPv6 address (HOST=::1) needs brackets before the port; given with or without them.
bind = f"{f'[{HOST}]' if ':' in HOST and not HOST.startswith('[') else HOST}:{number('PORT', 8000, 1, 65535)}"

# The app is built once, in the master, and each worker is a fork of it: a new or
# recycled worker serves at once, where building the app itself cost it about 0.65 s
# of CPU (imports, the spec, argon2's dummy hash), and the workers share those pages.
# Nothing the app holds is opened before the fork: the database connection is opened
# on a worker's first query (post_fork drops any a worker inherits), the metrics files
# are named by the pid of the worker that counts (the master's are removed before the
# first fork), and gunicorn reseeds `random` in each worker (tokens, salts and ids come
# from os.urandom). A HUP builds the app again in the master (on_reload), with the
# settings read afresh; code is not reloaded: a new release needs a restart.
preload_app = True

# 2 x cores + 1 is gunicorn's rule of thumb for sync workers; capped because
# each worker holds one PostgreSQL connection: instances x workers must stay
# below the server's max_connections (100 by default).
workers = number("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12), 1, 64)
# Sync workers: one request at a time per process, no shared state, and a hung
# request costs one worker, which the timeout below replaces. They do not keep
# client connections alive, so a load balancer opens one per request.
# service/worker.py is gunicorn's sync worker whose own refusals (a malformed or
# over-long request line, too many or too large headers, an unknown transfer
# coding) answer the error envelope with an X-Request-ID, not an HTML page.
worker_class = "service.worker.EnvelopeWorker"

# The master kills and replaces a worker silent for this long. The service
# bounds its own waits well inside it: connecting (3 s), one statement (5 s),
# a lock (4 s), and any call's answer (10 s, service/db/deadline.py), which covers
# a dead peer and a pooler that holds queries; see service/db/connection.py.
timeout = number("GUNICORN_TIMEOUT", 30, 1, 3600)
# Below the service's own bounds a stalled client, a locked table or a pooler holding queries
# would have the worker killed mid-request (a 500, no metric) instead of answering 408 or 503.
MIN_TIMEOUT = 20  # a request's 5 s to arrive (service/worker.py), a connect's 3 s, a call's 10 s
if timeout < MIN_TIMEOUT:
    sys.exit(f"error: GUNICORN_TIMEOUT ({timeout}) must be at least {MIN_TIMEOUT}: the service "
             "waits up to 5 s for a request to arrive and 10 s for the database's answer to a call")
# On SIGTERM workers finish the request in hand for up to this long, then exit.
# 25 s keeps the drain inside the 30 s most platforms allow before SIGKILL.
graceful_timeout = number("GUNICORN_GRACEFUL_TIMEOUT", 25, 1, 3600)

# Recycle workers now and then so a slow leak cannot grow without bound;
# the jitter keeps them from all restarting at once.
max_requests = number("GUNICORN_MAX_REQUESTS", 10000, 0, 1_000_000_000)
max_requests_jitter = number("GUNICORN_MAX_REQUESTS_JITTER", 1000, 0, 1_000_000_000)

# Request line and header bounds, refused by the worker (414, 431) before the app
# runs (the app bounds bodies itself: 413). A bearer token is a few hundred
# bytes, well inside a field.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# X-Forwarded-Proto (and so the scheme of the absolute URLs the service writes,
# such as Location) is trusted only from these addresses: a load balancer on
# the same host by default. Set FORWARDED_ALLOW_IPS to the balancer's addresses
# or networks when it runs elsewhere; never `*` on a port clients can reach.
forwarded_allow_ips = read(os.environ, "FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app writes one JSON line per request to stdout (method, spec path,
# status, duration, request id); gunicorn's own access line is off unless
# GUNICORN_ACCESS_LOG names a target ("-" for stdout).
accesslog = read(os.environ, "GUNICORN_ACCESS_LOG")
errorlog = "-"
try:  # the app's own logging (service/observability.py) reads LOG_LEVEL too
    loglevel = choice(os.environ, "LOG_LEVEL", LOG_LEVELS, "info")
except ConfigError as refused:
    sys.exit(f"error: {refused}")

# The heartbeat file each worker touches: in memory where the host has it, so
# a slow disk cannot make the master think a worker hangs.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn's control socket is one fixed path per user: two instances on a
# host would fight over it, and the service needs none of its commands.
control_socket_disable = True


# Prometheus multiprocess mode (service/metrics.py): every worker writes its figures to
# files in this directory and a scrape of /metrics adds them all up, so the figures of a
# worker recycled by max_requests live on. The variable must be set before a worker
# imports the client, hence here, in the master. Without PROMETHEUS_MULTIPROC_DIR a
# fresh directory is made per start and removed at exit; an operator's own directory
# must belong to this one instance, and is emptied at each start.
# (A reload on SIGHUP reads this file again: the marker keeps the directory it made.)
METRICS_DIR_MADE = "WIDGET_API_METRICS_DIR_MADE"
# The marker names the master that made the directory: a gunicorn started from an environment
# that already holds both (a test's, say) must not remove a directory it did not make.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="widget-api-metrics-")
    os.environ[METRICS_DIR_MADE] = str(os.getpid())


def remove_metrics_directory() -> None:
    """Remove the metrics directory this master made, and only in that master."""
    if os.environ.get(METRICS_DIR_MADE) == str(os.getpid()):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


# A start that fails (a port taken, say) exits without on_exit: nothing is left behind either.
atexit.register(remove_metrics_directory)


def usable_metrics_directory() -> None:
    """Stop the master in one line when the directory cannot hold the workers' files."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as failed:
        sys.exit(f"error: PROMETHEUS_MULTIPROC_DIR {str(directory)!r} cannot be made a directory "
                 f"({failed.strerror}): name a writable directory, or leave it unset")
    if not os.access(directory, os.W_OK | os.X_OK):
        sys.exit(f"error: PROMETHEUS_MULTIPROC_DIR {str(directory)!r} is not writable by this "
                 "user: name a writable directory, or leave it unset")


usable_metrics_directory()


def clear_metrics_directory() -> None:
    """Start from zero: figures left by an earlier run of this instance would be added in."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()


def on_starting(server):
    """Check the app's settings again when gunicorn's `--env` has changed the environment;
    start the metrics from zero: the files the master made building the app go too."""
    if server.cfg.env:
        refuse_bad_settings()
    clear_metrics_directory()
    keep_pages_shared()


def keep_pages_shared() -> None:
    """Move the master's objects out of the collector's sight before workers fork from it.

    A collection in a worker writes to every object it tracks, and so copies every page
    holding one: frozen, the app's objects stay in the pages the workers share.
    """
    gc.collect()
    gc.freeze()


def on_reload(server):
    """On HUP, build the app again in the master, so that the new workers read the settings
    afresh; if they are now wrong, say so and keep the app built before."""
    if not server.cfg.preload_app:
        return  # each worker builds its own
    from service.app import app_from_env

    gc.unfreeze()  # the app built before is garbage once replaced
    try:
        server.app.callable = app_from_env()
    except ConfigError as refused:
        server.log.error("error: %s: the new workers keep the settings read before", refused)
    keep_pages_shared()


def child_exit(server, worker):
    """Let the metrics know a worker is gone: its counters and histograms are folded into the
    directory's archive (service/metrics_archive.py), so they stay in the sums and its files go."""
    from prometheus_client import multiprocess

    from service.metrics_archive import fold

    multiprocess.mark_process_dead(worker.pid)
    try:
        fold(os.environ["PROMETHEUS_MULTIPROC_DIR"], worker.pid)
    except OSError as failed:  # its files stay, and with them exact sums; the master goes on
        server.log.warning("metrics of worker %s not folded: %s", worker.pid, failed)


def on_exit(server):
    """Remove the metrics directory this configuration made."""
    remove_metrics_directory()


# scripts/serve's "Serving http://..." line: said once gunicorn listens, never before.
SERVING = "WIDGET_API_SERVING"


def when_ready(server):
    """Tell the person who started the server where it serves, now that it does."""
    if os.environ.get(SERVING):
        print(os.environ.pop(SERVING), file=sys.stderr, flush=True)


def post_fork(server, worker):
    """Make the new worker open its own database connection.

    The master builds the app without connecting; should a connection ever be
    opened there, every worker would inherit it and they would interleave their
    queries on one socket. The worker forgets that handle, without closing it
    (closing would end the master's session), and connects anew on first use.
    """
    from service.db.connection import forget_inherited_connection

    forget_inherited_connection()


def worker_exit(server, worker):
    """At shutdown, answer the connections already queued rather than leave them to be reset."""
    from service.drain import finish_accepted

    finish_accepted(worker)
