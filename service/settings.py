"""Settings read from the environment, with one profile per APP_ENV."""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PROFILES = ("development", "testing", "production")
DEFAULT_TOKEN_SECONDS = {"development": 900, "testing": 5, "production": 3600}
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
MIN_SECRET_BYTES = 32


class ConfigError(ValueError):
    """The environment describes a configuration the service refuses to run with."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its environment."""

    env: str = "development"
    database_url: str = "sqlite:///widget_api.db"
    secret_key: str = DEV_SECRET_KEY
    token_expire_seconds: int = 900
    jwt_algorithm: str = "HS256"
    max_body_bytes: int = 64 * 1024
    validate_responses: bool = True
    cors_origins: tuple = field(default_factory=tuple)

    @property
    def testing(self) -> bool:
        return self.env == "testing"

    @classmethod
    def from_env(cls, environ=None) -> "Settings":
        """Build settings from environment variables, refusing unsafe ones."""
        environ = os.environ if environ is None else environ
        env = environ.get("APP_ENV", "development").strip().lower()
        if env not in PROFILES:
            raise ConfigError(f"APP_ENV must be one of {', '.join(PROFILES)}, not {env!r}")
        return cls(
            env=env,
            database_url=environ.get("DATABASE_URL") or default_database_url(),
            secret_key=_secret_key(env, environ.get("SECRET_KEY", "")),
            token_expire_seconds=_positive_int(
                environ, "TOKEN_EXPIRE_SECONDS", DEFAULT_TOKEN_SECONDS[env]
            ),
            validate_responses=env != "production",
        )


def default_database_url() -> str:
    """A SQLite file in the working directory."""
    return f"sqlite:///{Path.cwd() / 'widget_api.db'}"


def _secret_key(env: str, value: str) -> str:
    if len(value.encode()) >= MIN_SECRET_BYTES:
        return value
    if env == "production":
        raise ConfigError(
            f"SECRET_KEY must be set to at least {MIN_SECRET_BYTES} bytes in production "
            '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if value:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
    log.warning("SECRET_KEY is not set: using the fixed %s key; never do this in production", env)
    return DEV_SECRET_KEY


def _positive_int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value
