"""Deletes of many rows in short transactions, so writers are not shut out for the whole purge.

On SQLite one transaction deleting a backlog of a million rows holds the single write
lock for seconds, and every request that writes meanwhile waits out its busy timeout
and answers 503. A batch of PURGE_BATCH_ROWS rows commits in milliseconds; writers
take the lock between batches. Each batch deletes by id what it selected, so the
returned total counts every row deleted exactly once.
"""

import peewee

from service.db.locks import write_transaction

PURGE_BATCH_ROWS = 5000


def delete_in_batches(model: type[peewee.Model], condition) -> int:
    """Delete the rows of `model` matching `condition`, PURGE_BATCH_ROWS per transaction; return how many."""
    total = 0
    while True:
        with write_transaction():
            batch = model.select(model.id).where(condition).order_by(model.id).limit(PURGE_BATCH_ROWS)
            deleted = model.delete().where(model.id.in_(batch)).execute()
        total += deleted
        if deleted < PURGE_BATCH_ROWS:
            return total
