"""Settings read from the environment, with one profile per APP_ENV."""

import email.utils
import importlib.util
import ipaddress
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from service.mail.smtp_url import SmtpTarget, parse_smtp_url
from service.public_urls import parse_origin

log = logging.getLogger(__name__)

PROFILES = ("development", "testing", "production")
DEFAULT_TOKEN_SECONDS = {"development": 900, "testing": 5, "production": 3600}
DEFAULT_REFRESH_SECONDS = {"development": 86400, "testing": 60, "production": 30 * 86400}
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
MIN_SECRET_BYTES = 32
# Set once the fixed-key warning has been given: the processes started from this
# one (gunicorn's master and workers) inherit it and stay quiet.
DEV_KEY_WARNED = "WIDGET_API_DEV_KEY_WARNED"
# A production key must look random: an estimate (length x the entropy of its own character
# frequencies) of at least this many bits, this many distinct characters, and no repeated
# pattern. `secrets.token_urlsafe(48)` scores about 350 bits; 32 hex digits about 110.
MIN_SECRET_BITS = 64
MIN_SECRET_DISTINCT = 8

# Upper bounds of the numeric settings: well past any sane value, and far inside the range
# where datetime arithmetic on them (now + lifetime, window ends) would overflow.
DAY = 24 * 3600
MAX_TOKEN_SECONDS = 7 * DAY
MAX_REFRESH_SECONDS = 365 * DAY
MAX_IDEMPOTENCY_SECONDS = 30 * DAY
MAX_LEEWAY_SECONDS = 300
MAX_WINDOW_SECONDS = DAY
MAX_COUNT = 1_000_000
MAX_KEY_SECONDS = 30 * DAY
VERIFICATION_MODES = ("none", "optional", "mandatory")
DEFAULT_MAIL_FROM = "Widget API <no-reply@localhost>"
# Set once "mail is off" has been said: the processes started from this one stay quiet.
MAIL_OFF_WARNED = "WIDGET_API_MAIL_OFF_WARNED"
DATABASE_FORMS = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"
# The one SQLite convention: three slashes, then the path, which may itself start with one.
SQLITE_FORMS = (
    "sqlite:/// then the path: sqlite:///widget.db in the working directory, "
    "sqlite:////var/lib/widget-api/app.db for an absolute path"
)
POSTGRES_DRIVERS = ("psycopg2", "psycopg")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
# Who may scrape /metrics unless METRICS_ALLOW_FROM says otherwise: this host only.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class ConfigError(ValueError):
    """The environment describes a configuration the service refuses to run with.

    Its message is one line that names the variable and the values it accepts.
    """


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its environment; the defaults are the only ones."""

    env: str = "development"
    database_url: str = field(default_factory=lambda: default_database_url())
    secret_key: str = DEV_SECRET_KEY
    token_expire_seconds: int = DEFAULT_TOKEN_SECONDS["development"]
    refresh_token_expire_seconds: int = DEFAULT_REFRESH_SECONDS["development"]
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
    database_prepared_statements: bool = True
    metrics_allow_from: tuple = field(default_factory=lambda: LOOPBACK)
    webauthn_rp_id: str = "localhost"
    webauthn_origins: tuple = field(default_factory=tuple)  # empty: http(s)://localhost, any port
    idempotency_key_expire_seconds: int = DAY
    smtp: SmtpTarget | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    email_verification: str = "optional"
    email_verification_expire_seconds: int = 3 * DAY
    password_reset_expire_seconds: int = 3600
    frontend_url: str | None = None

    @property
    def mail_enabled(self) -> bool:
        """Mail goes out over SMTP_URL, or to the mailer's output outside production."""
        return self.smtp is not None or self.env != "production"

    @classmethod
    def from_env(cls, environ=None) -> "Settings":
        """Build settings from environment variables, refusing unsafe ones."""
        environ = Environment(os.environ if environ is None else environ)
        env = choice(environ, "APP_ENV", PROFILES, "development")
        public_url = _public_url(environ.get("PUBLIC_URL", ""))
        rp_id, origins = _webauthn(env, environ, public_url)
        return _coherent(cls(
            env=env,
            database_url=_database_url(environ.get("DATABASE_URL") or default_database_url()),
            secret_key=_secret_key(env, environ.raw("SECRET_KEY"), environ),
            token_expire_seconds=(access := integer(
                environ, "TOKEN_EXPIRE_SECONDS", DEFAULT_TOKEN_SECONDS[env], 1, MAX_TOKEN_SECONDS
            )),
            # Unset, a session lasts at least as long as its access tokens (see _coherent).
            refresh_token_expire_seconds=integer(
                environ, "REFRESH_TOKEN_EXPIRE_SECONDS", max(DEFAULT_REFRESH_SECONDS[env], access), 1,
                MAX_REFRESH_SECONDS,
            ),
            validate_responses=env != "production",
            cors_origins=_cors_origins(env, environ.get("CORS_ORIGINS")),
            previous_secret_keys=_previous_keys(env, environ.raw("PREVIOUS_SECRET_KEYS")),
            token_leeway_seconds=integer(
                environ, "TOKEN_LEEWAY_SECONDS", cls.token_leeway_seconds, 0, MAX_LEEWAY_SECONDS
            ),
            token_issuer=environ.get("TOKEN_ISSUER", "").strip() or None,
            token_audience=environ.get("TOKEN_AUDIENCE", "").strip() or None,
            login_max_failures=integer(
                environ, "LOGIN_MAX_FAILURES", cls.login_max_failures, 1, MAX_COUNT
            ),
            login_failure_window_seconds=integer(
                environ, "LOGIN_FAILURE_WINDOW_SECONDS", cls.login_failure_window_seconds,
                1, MAX_WINDOW_SECONDS,
            ),
            auth_rate_limit=_rate_limit(environ.get("AUTH_RATE_LIMIT"), cls.auth_rate_limit),
            trusted_proxies=_networks(environ.get("TRUSTED_PROXIES", ""), "TRUSTED_PROXIES"),
            public_url=public_url,
            database_prepared_statements=choice(
                environ, "DATABASE_PREPARED_STATEMENTS", ("on", "off"), "on"
            ) == "on",
            metrics_allow_from=_networks(
                environ.get("METRICS_ALLOW_FROM", ",".join(map(str, LOOPBACK))), "METRICS_ALLOW_FROM"
            ),
            webauthn_rp_id=rp_id,
            webauthn_origins=origins,
            idempotency_key_expire_seconds=integer(
                environ, "IDEMPOTENCY_KEY_EXPIRE_SECONDS", cls.idempotency_key_expire_seconds, 1,
                MAX_IDEMPOTENCY_SECONDS,
            ),
            **_mail(env, environ),
        ))


def _coherent(settings: "Settings") -> "Settings":
    """Refuse settings each fine alone that cannot work together, naming them."""
    access, refresh = settings.token_expire_seconds, settings.refresh_token_expire_seconds
    if refresh < access:  # the session (and its place in GET /auth/sessions) would end first
        raise ConfigError(
            f"REFRESH_TOKEN_EXPIRE_SECONDS ({refresh}) must be at least TOKEN_EXPIRE_SECONDS "
            f"({access}): a session must outlive the access tokens it issues"
        )
    if settings.token_leeway_seconds > access:
        raise ConfigError(
            f"TOKEN_LEEWAY_SECONDS ({settings.token_leeway_seconds}) must be at most "
            f"TOKEN_EXPIRE_SECONDS ({access}): the leeway would outlast the token"
        )
    if settings.env == "production" and settings.smtp and not (
        settings.public_url or settings.frontend_url
    ):  # a link built from the request's Host would send a victim's key to whoever sent that Host
        raise ConfigError(
            "SMTP_URL needs PUBLIC_URL or FRONTEND_URL in production: mailed links must name "
            "this service's own origin, never the Host header of whoever asked for the mail"
        )
    return settings


def _port_in_range(name: str, origin: str) -> None:
    """An origin's port, when it names one, is one a server can listen on."""
    try:
        port = urlsplit(origin).port
    except ValueError:
        port = 0
    if port == 0 or (port is None and re.search(r":[0-9]*$", origin)):
        raise ConfigError(f"{name}: {origin!r} names a port outside 1 to 65535")


class Environment(Mapping):
    """The environment, read-only, by the one rule for every variable.

    Surrounding whitespace is no part of a value, and a blank value is no value: the
    variable reads as unset and its default applies. A value that is not UTF-8 text
    is refused, naming its variable: the process environment holds bytes, and Python
    keeps the undecodable ones as lone surrogates, which would fail much later
    (signing a token, writing a log line). Secret keys are read as given (`raw`).
    """

    def __init__(self, environ):
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        value = self.raw(name).strip()
        if not value:
            raise KeyError(name)
        return value

    def raw(self, name: str, default: str = "") -> str:
        """The value exactly as set, whitespace and all (secret keys), UTF-8 checked."""
        value = self._environ.get(name, default)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"{name} must be UTF-8 text: it holds bytes that are not") from None
        return value

    def __iter__(self):
        return iter(self._environ)

    def remember(self, name: str, value: str) -> None:
        """Set a variable in the environment read, for the processes this one starts."""
        self._environ[name] = value

    def __len__(self) -> int:
        return len(self._environ)


def read(environ, name: str, default=None):
    """Variable `name` by the one rule (see Environment), from any mapping."""
    if not isinstance(environ, Environment):
        environ = Environment(environ)
    return environ.get(name, default)


def integer(environ, name: str, default: int, minimum: int, maximum: int) -> int:
    """A whole number of ASCII digits within [minimum, maximum]; `default` when unset or empty."""
    raw = read(environ, name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        raise ConfigError(f"{name} must be a whole number from {minimum} to {maximum}, not {raw!r}")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be a whole number from {minimum} to {maximum}, not {value}")
    return value


def choice(environ, name: str, choices: tuple, default: str) -> str:
    """One of `choices`, case-insensitive; `default` when unset."""
    raw = read(environ, name, default)
    value = raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def default_database_url() -> str:
    """A SQLite file in the working directory."""
    return f"sqlite:///{Path.cwd() / 'widget_api.db'}"


def _database_url(url: str) -> str:
    """A URL the service can open: SQLite in an existing directory, or PostgreSQL with a driver."""
    def refuse(why: str) -> ConfigError:
        return ConfigError(f"DATABASE_URL {why}: use {DATABASE_FORMS}")

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what refuses a malformed one
    except ValueError:  # the parser's own message quotes what it read as the port: the password
        raise refuse(
            f"{_without_password(url)!r} is malformed (percent-escape a /, ?, # or @ in the "
            "user or password: %2F, %3F, %23, %40)"
        ) from None
    if "@" in url and "@" not in parts.netloc:  # an unescaped /, ? or # cut the user info short
        raise refuse(
            f"{_without_password(url)!r} is malformed (percent-escape a /, ?, # or @ in the "
            "user or password: %2F, %3F, %23, %40)"
        )
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        _sqlite_file(url, parts, refuse)
    elif scheme in ("postgresql", "postgres"):
        if not parts.path.strip("/"):
            raise refuse(f"{_without_password(url)!r} names no database")
        if not any(importlib.util.find_spec(driver) for driver in POSTGRES_DRIVERS):
            raise refuse("names PostgreSQL but has no driver: pip install psycopg2-binary")
    elif parts.scheme:
        raise refuse(f"scheme {parts.scheme!r} is not supported")
    else:
        raise refuse(f"{_without_password(url)!r} has no scheme")
    return url


def _sqlite_file(url: str, parts, refuse) -> None:
    """Refuse a SQLite URL that would not open the file its writer meant (SQLITE_FORMS).

    `sqlite:` and `sqlite:/` forms are refused rather than guessed at: read the usual
    way they drop the path's first character or its leading slash.
    """
    path = parts.path[1:] if url[len(parts.scheme):].startswith("://") else ""
    if not path or parts.netloc or path == ":memory:":
        meant = (parts.netloc + parts.path).lstrip("/") if parts.path != "/:memory:" else ""
        if parts.path.startswith("/") and not url[len(parts.scheme):].startswith("://"):
            raise refuse(
                f"{url!r} would open {meant!r} in the working directory: for {parts.path!r} "
                f"write sqlite:///{parts.path} (for {meant!r} there, sqlite:///{meant})"
            )
        example = f"write sqlite:///{meant}; " if meant else ""
        raise refuse(f"{url!r} names no database file ({example}{SQLITE_FORMS})")
    directory = Path(path).resolve().parent
    if not directory.is_dir():
        hint = ""
        if not path.startswith("/") and Path("/" + path).parent.is_dir():
            hint = f" (for the absolute path '/{path}' write sqlite:////{path})"
        raise refuse(f"{url!r}: the directory {str(directory)!r} does not exist{hint}")


def _without_password(url: str) -> str:
    """`url` with any password masked, fit for an error message.

    A password may hold an unescaped `/`, `?`, `#` or `@`, which no parser reads as
    the password: everything from the user's `:` to the last `@` is masked, and
    with no `@` at all, everything after the user's `:` but a port's digits.
    """
    scheme, slashes, rest = url.partition("//")
    if not slashes:
        return url
    user, colon, after = rest.partition(":")
    if not colon or "/" in user or "@" in user:
        return url
    secret, at, host = after.rpartition("@")
    if at:
        return f"{scheme}//{user}:***@{host}"
    port = re.match(r"[0-9]*(/[^:@]*)?$", after)  # host:port/name, no password
    return url if port else f"{scheme}//{user}:***"


def _secret_key(env: str, value: str, environ: "Environment") -> str:
    if len(value.encode()) >= MIN_SECRET_BYTES:
        return _not_obvious(env, "SECRET_KEY", value)
    if env == "production":
        raise ConfigError(
            f"SECRET_KEY must be set to at least {MIN_SECRET_BYTES} bytes in production "
            '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if value:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
    return DEV_SECRET_KEY


def warn_of_development_key(settings: Settings, environ=None) -> None:
    """Say, once per server and the processes it starts, that tokens are signed with the
    published development key. Only what signs tokens calls this: the CLI's commands do not."""
    environ = os.environ if environ is None else environ
    if settings.secret_key == DEV_SECRET_KEY and not environ.get(DEV_KEY_WARNED):
        log.warning(
            "SECRET_KEY is not set: using the fixed %s key; never do this in production", settings.env
        )
        environ[DEV_KEY_WARNED] = "1"


def _not_obvious(env: str, name: str, key: str) -> str:
    """Refuse, in production, a key anyone could guess: known, blank, or barely varied."""
    if env != "production":
        return key
    distinct = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in distinct.values())
    if key == DEV_SECRET_KEY:
        why = "is the published development key"
    elif not key.strip():
        why = "is only whitespace"
    elif key in (key + key)[1:-1]:
        why = "is a repeated pattern"
    elif len(distinct) < MIN_SECRET_DISTINCT or bits < MIN_SECRET_BITS:
        why = f"is too predictable ({len(distinct)} distinct characters, about {bits:.0f} bits)"
    else:
        return key
    raise ConfigError(
        f"{name} {why}: use a random key of at least {MIN_SECRET_BYTES} bytes "
        '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
    )


def _previous_keys(env: str, raw: str) -> tuple:
    """Keys that signed tokens still in circulation; each as strong as SECRET_KEY must be."""
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    for position, key in enumerate(keys, start=1):
        name = f"PREVIOUS_SECRET_KEYS entry {position}"
        if len(key.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"{name} must be at least {MIN_SECRET_BYTES} bytes long")
        _not_obvious(env, name, key)
    return keys


def _rate_limit(raw: str | None, default: tuple | None) -> tuple | None:
    """`N/SECONDS` as (N, SECONDS); `0` turns the limit off (None); unset, `default`."""
    if raw is None:
        return default
    raw = raw.strip()
    if raw == "0":
        return None
    match = re.fullmatch(r"([0-9]{1,12})/([0-9]{1,12})", raw)
    if (
        not match
        or not 1 <= int(match[1]) <= MAX_COUNT
        or not 1 <= int(match[2]) <= MAX_WINDOW_SECONDS
    ):
        raise ConfigError(
            f"AUTH_RATE_LIMIT must be N/SECONDS (N from 1 to {MAX_COUNT}, SECONDS from 1 to "
            f"{MAX_WINDOW_SECONDS}; for example 30/60) or 0, not {raw!r}"
        )
    return int(match[1]), int(match[2])


def _networks(raw: str, name: str) -> tuple:
    """Addresses or networks (CIDR), comma-separated, as variable `name` holds them."""
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in raw.split(",") if item.strip())
    except ValueError as bad:
        raise ConfigError(
            f"{name} must be IP addresses or networks (CIDR), comma-separated: {bad}"
        ) from None


def _public_url(raw: str) -> str | None:
    """The origin every absolute URL the service writes uses (service/public_urls.py)."""
    try:
        origin = parse_origin(raw)
    except ValueError as bad:
        raise ConfigError(f"PUBLIC_URL {bad}") from None
    if origin and origin != "*":
        _port_in_range("PUBLIC_URL", origin)
    return origin


def _mail(env: str, environ: "Environment") -> dict:
    """The mail settings; in production without SMTP_URL mail is off, said once."""
    try:
        smtp = parse_smtp_url(environ.get("SMTP_URL", ""))
    except ValueError as bad:
        raise ConfigError(f"SMTP_URL {bad}") from None
    verification = choice(environ, "EMAIL_VERIFICATION", VERIFICATION_MODES, "optional")
    if smtp is None and env == "production":
        if verification == "mandatory":
            raise ConfigError(
                "EMAIL_VERIFICATION=mandatory needs SMTP_URL in production: no mail could prove an address"
            )
        if not environ.get(MAIL_OFF_WARNED):
            log.warning("SMTP_URL is not set: mail is off (no verification, reset or address change mail)")
            environ.remember(MAIL_OFF_WARNED, "1")
    return {
        "smtp": smtp,
        "mail_from": _mail_from(environ.get("MAIL_FROM", DEFAULT_MAIL_FROM)),
        "email_verification": verification,
        "email_verification_expire_seconds": integer(
            environ, "EMAIL_VERIFICATION_EXPIRE_SECONDS", 3 * DAY, 60, MAX_KEY_SECONDS
        ),
        "password_reset_expire_seconds": integer(
            environ, "PASSWORD_RESET_EXPIRE_SECONDS", 3600, 60, MAX_KEY_SECONDS
        ),
        "frontend_url": _frontend_url(environ.get("FRONTEND_URL", "")),
    }


def _mail_from(raw: str) -> str:
    """The sender: an address, or a name and an address (`Widget API <no-reply@example.com>`)."""
    address = email.utils.parseaddr(raw.strip())[1]
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", address) or re.search(r"[\r\n]", raw):
        raise ConfigError(
            f"MAIL_FROM must be an address such as Widget API <no-reply@example.com>, not {raw!r}"
        )
    return raw.strip()


def _frontend_url(raw: str) -> str | None:
    """The page a mailed link opens: an http(s) URL with `{key}` where the key goes."""
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"https?://[^\s{}]+", raw.replace("{key}", "KEY")) or "{key}" not in raw:
        raise ConfigError(
            "FRONTEND_URL must be an http(s) URL holding {key}, such as "
            f"https://app.example.com/account?key={{key}}, not {raw!r}"
        )
    return raw


ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?|\*")


def _cors_origins(env: str, raw: str | None) -> tuple:
    """Origins allowed to call the API from a browser; `*` by default in development only."""
    if raw is None:
        return ("*",) if env == "development" else ()
    origins = tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ConfigError(f"CORS_ORIGINS: {origin!r} is not an origin like https://app.example.com")
        if origin != "*":
            _port_in_range("CORS_ORIGINS", origin)
    if "*" in origins and (len(origins) > 1 or env == "production"):
        raise ConfigError("CORS_ORIGINS may be * only alone, and never in production")
    return origins


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _webauthn(env: str, environ, public_url: str | None) -> tuple[str, tuple]:
    """The passkeys' relying party id and the origins ceremonies may come from.

    Defaults: PUBLIC_URL's host and origin; without it `localhost` and any
    http(s)://localhost port (an empty tuple). Every origin's host must be the
    RP ID or end in `.` and it, or no browser would sign for it: in production
    a mismatch stops the service, elsewhere it is a warning.
    """
    named = urlsplit(public_url).hostname if public_url else None
    if named and _is_address(named):  # an IP address is no RP ID: such a PUBLIC_URL names no default
        named = None
    default_rp = named or "localhost"
    rp_id = (environ.get("WEBAUTHN_RP_ID") or default_rp).strip().lower().rstrip(".")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", rp_id):
        raise ConfigError(f"WEBAUTHN_RP_ID must be a host name like example.com, not {rp_id!r}")
    raw = environ.get("WEBAUTHN_ORIGINS", "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if not origins and named:
        origins = (public_url,)
    for origin in origins:
        if not ORIGIN.fullmatch(origin) or origin == "*":
            raise ConfigError(f"WEBAUTHN_ORIGINS: {origin!r} is not an origin like https://app.example.com")
        host = urlsplit(origin).hostname or ""
        if host != rp_id and not host.endswith("." + rp_id):
            mismatch = f"WEBAUTHN_ORIGINS: {origin!r} is not on WEBAUTHN_RP_ID {rp_id!r}"
            if env == "production":
                raise ConfigError(mismatch + ": passkeys could never sign in from it")
            log.warning("%s: passkeys will not work from it", mismatch)
    return rp_id, origins
