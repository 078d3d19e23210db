"""Writes that auth state cannot do without: when the database refuses one, the request fails closed."""

import logging
from contextlib import contextmanager

import peewee

from service.db.connection import UNAVAILABLE
from service.errors import ServiceUnavailable

log = logging.getLogger(__name__)


@contextmanager
def must_write(what: str):
    """Answer 503 when `what` cannot be written (a read-only or full database), never skip it or 500.

    An unreachable database (UNAVAILABLE) goes on to the app's 503 handler,
    which also drops the broken connection; so does a programming error, which
    the handler tells apart as a schema awaiting migrations (503) or a bug (500);
    an integrity error keeps its meaning for the caller.
    """
    try:
        yield
    except (*UNAVAILABLE, peewee.IntegrityError, peewee.ProgrammingError):
        raise
    except peewee.DatabaseError as refused:
        log.error("cannot write %s: %s", what, refused)
        raise ServiceUnavailable() from refused
