"""The testing profile, and where the PostgreSQL test server is."""

import os

from service.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_TEST_DB = os.environ.get("TEST_POSTGRES_DB", "widget_api_test")
TEST_SECRET = "test-secret-key-of-at-least-thirty-two-bytes"
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
