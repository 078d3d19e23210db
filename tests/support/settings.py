"""The testing profile, and where the PostgreSQL test server is."""

import os
from datetime import UTC, datetime
from urllib.parse import urlsplit

from service.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# The databases the tests drop and create are named after TEST_POSTGRES_URL's own
# (`test`: widget_api_test, widget_api_test_upgrade, ...), so two runs against one
# server, each with its own TEST_POSTGRES_URL, never drop each other's.
POSTGRES_TEST_DB = os.environ.get(
    "TEST_POSTGRES_DB", "widget_api_" + (urlsplit(POSTGRES_ADMIN_URL).path.lstrip("/") or "test")
)
TEST_SECRET = "test-secret-key-of-at-least-thirty-two-bytes"
# Where the `frozen_clock` fixture stops the service's clock: in the past of any real
# run (a token's `iat` may not lie ahead of the real time), a fixed distance from the
# widget bodies' deadline.
FROZEN_AT = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
TESTING_ENV = {
    "APP_ENV": "testing",
    "SECRET_KEY": TEST_SECRET,
    "TOKEN_EXPIRE_SECONDS": "300",  # tokens live long enough not to expire mid-test
}


def make_settings(database_url: str, **overrides) -> Settings:
    """Testing-profile settings on `database_url`, with environment-variable overrides."""
    environ = {
        **TESTING_ENV,
        "DATABASE_URL": database_url,
        "AUTH_RATE_LIMIT": "0",  # the suite registers and logs in from one address; tests/security limits it
    }
    environ.update(overrides)
    return Settings.from_env(environ)
