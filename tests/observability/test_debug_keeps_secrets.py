"""LOG_LEVEL=debug logs more of the service, never the SQL that carries hashes and addresses."""

import io
import logging

import peewee

from service.observability import configure_logging


def test_debug_level_leaves_out_the_statements_and_their_parameters():
    stream = io.StringIO()
    configure_logging({"LOG_LEVEL": "debug"}, stream=stream)
    try:
        database = peewee.SqliteDatabase(":memory:")
        database.execute_sql("SELECT ?", ("$argon2id$v=19$m=65536,t=3,p=4$secret-hash",))
        logging.getLogger("service.test").debug("a debug line of the service")
    finally:
        configure_logging({"LOG_LEVEL": "info"}, stream=io.StringIO())
    text = stream.getvalue()
    assert "a debug line of the service" in text
    assert "argon2id" not in text and "SELECT" not in text
