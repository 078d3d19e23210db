"""Settings read from the environment, with one profile per APP_ENV."""

import ipaddress
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from service.public_urls import parse_origin

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
    previous_secret_keys: tuple = field(default_factory=tuple)
    token_leeway_seconds: int = 0
    token_issuer: str | None = None
    token_audience: str | None = None
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    auth_rate_limit: tuple | None = (30, 60)
    trusted_proxies: tuple = field(default_factory=tuple)
    public_url: str | None = None

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
            cors_origins=_cors_origins(env, environ.get("CORS_ORIGINS")),
            previous_secret_keys=_previous_keys(environ.get("PREVIOUS_SECRET_KEYS", "")),
            token_leeway_seconds=_whole_number(environ, "TOKEN_LEEWAY_SECONDS", 0),
            token_issuer=environ.get("TOKEN_ISSUER", "").strip() or None,
            token_audience=environ.get("TOKEN_AUDIENCE", "").strip() or None,
            login_max_failures=_positive_int(environ, "LOGIN_MAX_FAILURES", 5),
            login_failure_window_seconds=_positive_int(environ, "LOGIN_FAILURE_WINDOW_SECONDS", 900),
            auth_rate_limit=_rate_limit(environ.get("AUTH_RATE_LIMIT", "30/60")),
            trusted_proxies=_networks(environ.get("TRUSTED_PROXIES", "")),
            public_url=_public_url(environ.get("PUBLIC_URL", "")),
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


def _whole_number(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    if not raw.strip().isdigit():
        raise ConfigError(f"{name} must be a whole number of seconds (0 or more), not {raw!r}")
    return int(raw)


def _previous_keys(raw: str) -> tuple:
    """Keys that signed tokens still in circulation; each as strong as SECRET_KEY must be."""
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    for position, key in enumerate(keys, start=1):
        if len(key.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"PREVIOUS_SECRET_KEYS entry {position} must be at least {MIN_SECRET_BYTES} bytes long"
            )
    return keys


def _rate_limit(raw: str) -> tuple | None:
    """`N/SECONDS` as (N, SECONDS); `0` turns the limit off (None)."""
    raw = raw.strip()
    if raw == "0":
        return None
    match = re.fullmatch(r"(\d+)/(\d+)", raw)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ConfigError(f"AUTH_RATE_LIMIT must be N/SECONDS (for example 30/60) or 0, not {raw!r}")
    return int(match[1]), int(match[2])


def _networks(raw: str) -> tuple:
    """Trusted proxy addresses or networks (CIDR), comma-separated."""
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in raw.split(",") if item.strip())
    except ValueError as bad:
        raise ConfigError(f"TRUSTED_PROXIES: {bad}") from None


def _public_url(raw: str) -> str | None:
    """The origin every absolute URL the service writes uses (service/public_urls.py)."""
    try:
        return parse_origin(raw)
    except ValueError as bad:
        raise ConfigError(f"PUBLIC_URL {bad}") from None


ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?|\*")


def _cors_origins(env: str, raw: str | None) -> tuple:
    """Origins allowed to call the API from a browser; `*` by default in development only."""
    if raw is None:
        return ("*",) if env == "development" else ()
    origins = tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ConfigError(f"CORS_ORIGINS: {origin!r} is not an origin like https://app.example.com")
    if "*" in origins and (len(origins) > 1 or env == "production"):
        raise ConfigError("CORS_ORIGINS may be * only alone, and never in production")
    return origins
