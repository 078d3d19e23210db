"""Settings from the environment."""

import secrets

import falcon.testing
import pytest

from service.app import create_app
from service.db.connection import bind
from service.settings import ConfigError, Settings, warn_of_development_key
from tests.support.databases import empty_tables
from tests.support.inprocess import bearer, login, random_email, register
from tests.support.settings import make_settings

STRONG = "Zq8-vR3_pL0x-Wn5_tY7k-Jb2_mH9s-Fd4"  # 34 bytes, looks random: accepted in production


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY must be set to at least 32 bytes"):
        Settings.from_env({"APP_ENV": "production"})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "k" * 31})


def test_any_profile_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "short"})


def test_development_without_secret_key_uses_the_fixed_key_with_a_warning(caplog):
    environ = {}
    settings = Settings.from_env(environ)
    assert settings.env == "development"
    assert len(settings.secret_key) >= 32
    assert "SECRET_KEY is not set" not in caplog.text  # reading settings signs nothing
    warn_of_development_key(settings, environ)
    assert "SECRET_KEY is not set" in caplog.text


def test_fixed_key_warning_is_given_once_to_an_environment_and_what_it_starts(caplog):
    environ = {}
    warn_of_development_key(Settings.from_env(environ), environ)
    warn_of_development_key(Settings.from_env(environ), environ)
    assert caplog.text.count("SECRET_KEY is not set") == 1


def test_no_warning_with_a_key_of_ones_own(caplog):
    warn_of_development_key(Settings.from_env({"SECRET_KEY": STRONG}), {})
    assert "SECRET_KEY is not set" not in caplog.text


@pytest.mark.parametrize("env,seconds", [("production", 3600), ("development", 900), ("testing", 5)])
def test_token_lifetime_defaults_by_profile(env, seconds):
    assert Settings.from_env({"APP_ENV": env, "SECRET_KEY": STRONG}).token_expire_seconds == seconds


def test_token_lifetime_is_configurable():
    settings = Settings.from_env({"TOKEN_EXPIRE_SECONDS": "42", "SECRET_KEY": STRONG})
    assert settings.token_expire_seconds == 42


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_invalid_token_lifetime_is_refused(value):
    with pytest.raises(ConfigError, match="TOKEN_EXPIRE_SECONDS"):
        Settings.from_env({"TOKEN_EXPIRE_SECONDS": value, "SECRET_KEY": STRONG})


def test_unknown_app_env_is_refused():
    with pytest.raises(ConfigError, match="APP_ENV must be one of"):
        Settings.from_env({"APP_ENV": "staging"})


def test_database_url_defaults_to_sqlite_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).database_url == f"sqlite:///{tmp_path / 'widget_api.db'}"


def test_response_validation_is_off_only_in_production():
    assert Settings.from_env({"APP_ENV": "production", "SECRET_KEY": STRONG}).validate_responses is False
    assert Settings.from_env({"APP_ENV": "testing"}).validate_responses is True


ACCEPTED_DATABASE_FORMS = "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"


@pytest.mark.parametrize(
    "url",
    ["postgress://app@db.example/widgets", "widget.db", "mysql//app@db.example/widgets",
     "mysql://app@db.example/widgets", "sqlite://widget.db", "sqlite:///", "sqlite:///:memory:",
     "postgresql://db.example:port/widgets", "postgresql://app@db.example/"],
)
def test_database_url_the_service_cannot_open_is_refused_naming_the_accepted_forms(url):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": url})
    message = str(refused.value)
    assert message.startswith("DATABASE_URL ") and message.endswith(ACCEPTED_DATABASE_FORMS)
    assert "\n" not in message


def test_database_url_error_masks_the_password():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": "postgress//app:hunter2-secret@db.example/widgets"})
    assert "hunter2" not in str(refused.value)


def test_sqlite_database_in_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL .*does not exist"):
        Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'widgets.db'}"})


@pytest.mark.parametrize("url", ["sqlite:///widgets.db", "postgres://app@db.example/widgets",
                                 "postgresql://app:p%40ss@db.example:5433/widgets?sslmode=require"])
def test_database_urls_in_the_accepted_forms_are_kept(url):
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    "name,value",
    [("TOKEN_LEEWAY_SECONDS", "²"), ("TOKEN_EXPIRE_SECONDS", "٣٠٠"), ("LOGIN_MAX_FAILURES", "5 5"),
     ("TOKEN_EXPIRE_SECONDS", "1_000"), ("LOGIN_FAILURE_WINDOW_SECONDS", "+60")],
)
def test_a_number_that_is_not_plain_ascii_digits_is_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number from"):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    "name,value,maximum",
    [("TOKEN_EXPIRE_SECONDS", "604801", 604800),
     ("TOKEN_EXPIRE_SECONDS", "99999999999999999999999", 604800),
     ("TOKEN_LEEWAY_SECONDS", "301", 300),
     ("LOGIN_FAILURE_WINDOW_SECONDS", "86401", 86400),
     ("LOGIN_MAX_FAILURES", "1000001", 1000000)],
)
def test_a_number_past_its_documented_maximum_is_refused(name, value, maximum):
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number from [01] to {maximum}"):
        Settings.from_env({name: value})


def test_an_auth_rate_window_past_a_day_is_refused():
    with pytest.raises(ConfigError, match="AUTH_RATE_LIMIT .*SECONDS from 1 to 86400"):
        Settings.from_env({"AUTH_RATE_LIMIT": "5/99999999999"})


def test_numbers_at_their_maximum_are_accepted():
    settings = Settings.from_env({
        "TOKEN_EXPIRE_SECONDS": "604800", "TOKEN_LEEWAY_SECONDS": "300",
        "LOGIN_FAILURE_WINDOW_SECONDS": "86400", "AUTH_RATE_LIMIT": "1000000/86400",
    })
    assert (settings.token_expire_seconds, settings.token_leeway_seconds) == (604800, 300)
    assert (settings.login_failure_window_seconds, settings.auth_rate_limit) == (86400, (1000000, 86400))


def test_a_value_that_is_not_utf8_is_refused_naming_the_variable():
    undecodable = b"\xff\xfe-not-text-but-long-enough-for-a-key".decode("utf-8", "surrogateescape")
    with pytest.raises(ConfigError, match="^SECRET_KEY must be UTF-8 text"):
        Settings.from_env({"SECRET_KEY": undecodable})


# RFC 8725 §3.5: a signing key needs real entropy; length alone let 32 spaces through.
GUESSABLE_KEYS = {
    "whitespace": " " * 32,
    "one character": "k" * 48,
    "a repeated word": "password" * 5,
    "few characters": "aaaaaaaabbbbbbbbccccccccdddddddd",
    "development key": "development-only-secret-key-do-not-use-in-production",
}


@pytest.mark.parametrize("key", GUESSABLE_KEYS.values(), ids=GUESSABLE_KEYS.keys())
def test_production_refuses_a_guessable_secret_key(key):
    with pytest.raises(ConfigError, match="^SECRET_KEY .*random key"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": key})


@pytest.mark.parametrize("name", [name for name in GUESSABLE_KEYS if name != "whitespace"])
def test_production_refuses_a_guessable_previous_key(name):  # a blank entry is no entry: skipped
    key = GUESSABLE_KEYS[name]
    with pytest.raises(ConfigError, match="^PREVIOUS_SECRET_KEYS entry 2 .*random key"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": STRONG,
                           "PREVIOUS_SECRET_KEYS": f"{secrets.token_urlsafe(32)},{key}"})


def test_production_accepts_keys_made_by_a_random_generator():
    for key in [secrets.token_urlsafe(48) for _ in range(50)] + [secrets.token_hex(16) for _ in range(50)]:
        assert Settings.from_env({"APP_ENV": "production", "SECRET_KEY": key}).secret_key == key


def test_the_service_works_with_every_number_at_its_maximum(database, database_url):
    """The maxima are safe: tokens, throttle windows and revocations at the bounds neither overflow nor fail."""
    settings = make_settings(database_url, TOKEN_EXPIRE_SECONDS="604800", TOKEN_LEEWAY_SECONDS="300",
                             LOGIN_FAILURE_WINDOW_SECONDS="86400", AUTH_RATE_LIMIT="1000000/86400")
    bind(database)
    empty_tables(database)
    client = falcon.testing.TestClient(create_app(settings, database))
    email = random_email()
    assert register(client, email).json["expires_in"] == 604800
    assert login(client, email, "not the password").status_code == 401
    token = login(client, email).json["access_token"]
    assert client.simulate_get("/api/v1/auth/user", headers=bearer(token)).json["token_expires_in"] in (
        "168:00:00", "167:59:59")
    assert client.simulate_post("/api/v1/auth/logout", headers=bearer(token)).status_code == 200
    assert client.simulate_get("/api/v1/auth/user", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("value, prepared", [(None, True), ("on", True), ("OFF", False)])
def test_prepared_statements_are_on_unless_turned_off_for_a_pooler(value, prepared):
    environ = {} if value is None else {"DATABASE_PREPARED_STATEMENTS": value}
    assert Settings.from_env(environ).database_prepared_statements is prepared


def test_prepared_statements_other_than_on_or_off_are_refused():
    with pytest.raises(ConfigError, match="DATABASE_PREPARED_STATEMENTS must be one of on, off"):
        Settings.from_env({"DATABASE_PREPARED_STATEMENTS": "yes"})


def test_metrics_are_allowed_from_this_host_only_by_default():
    allowed = Settings.from_env({}).metrics_allow_from
    assert [str(network) for network in allowed] == ["127.0.0.0/8", "::1/128"]


def test_a_malformed_metrics_allow_from_is_refused_naming_it():
    with pytest.raises(ConfigError, match="METRICS_ALLOW_FROM"):
        Settings.from_env({"METRICS_ALLOW_FROM": "10.0.0.0/8, monitoring.internal"})


def test_passkeys_default_to_the_public_url_or_localhost():
    public = Settings.from_env({"PUBLIC_URL": "https://api.example.com", "SECRET_KEY": STRONG})
    assert (public.webauthn_rp_id, public.webauthn_origins) == ("api.example.com", ("https://api.example.com",))
    local = Settings.from_env({"SECRET_KEY": STRONG})
    assert (local.webauthn_rp_id, local.webauthn_origins) == ("localhost", ())


def test_a_passkey_origin_under_the_rp_id_is_accepted():
    settings = Settings.from_env({"APP_ENV": "production", "SECRET_KEY": STRONG,
                                  "WEBAUTHN_RP_ID": "example.com",
                                  "WEBAUTHN_ORIGINS": "https://app.example.com,https://example.com"})
    assert settings.webauthn_origins == ("https://app.example.com", "https://example.com")


def test_a_passkey_origin_off_the_rp_id_stops_production_naming_both():
    with pytest.raises(ConfigError, match="WEBAUTHN_ORIGINS: 'https://evil.test' is not on WEBAUTHN_RP_ID 'example.com'"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": STRONG, "WEBAUTHN_RP_ID": "example.com",
                           "WEBAUTHN_ORIGINS": "https://evil.test"})


@pytest.mark.parametrize(
    "url,hint",
    [("sqlite:widget.db", "write sqlite:///widget.db"),
     ("sqlite:/srv/widget.db", "write sqlite:////srv/widget.db"),
     ("sqlite://widget.db", "write sqlite:///widget.db"),
     ("sqlite:///tmp/widget.db", "for the absolute path '/tmp/widget.db' write sqlite:////tmp/widget.db")],
)
def test_a_sqlite_url_read_otherwise_than_it_looks_is_refused_showing_the_form_that_works(
    url, hint, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": url})
    assert hint in str(refused.value)
    assert str(refused.value).endswith(ACCEPTED_DATABASE_FORMS)


@pytest.mark.parametrize("public_url", ["http://[::1]:8000", "http://127.0.0.1:8000"])
def test_a_public_url_at_an_ip_address_leaves_passkeys_at_localhost(public_url):
    """An IP address can be no RP ID; the service still starts, passkeys on localhost."""
    settings = Settings.from_env({"PUBLIC_URL": public_url, "SECRET_KEY": STRONG})
    assert (settings.webauthn_rp_id, settings.webauthn_origins) == ("localhost", ())


def test_production_mail_without_an_origin_of_its_own_is_refused_naming_public_url():
    """Mailed links never follow a request's Host: a reset asked with `Host: evil.example`
    would otherwise mail the victim a link to evil.example carrying their key."""
    environ = {"APP_ENV": "production", "SECRET_KEY": STRONG, "SMTP_URL": "smtp://127.0.0.1:2525"}
    with pytest.raises(ConfigError, match="SMTP_URL needs PUBLIC_URL or FRONTEND_URL in production"):
        Settings.from_env(environ)
    assert Settings.from_env({**environ, "PUBLIC_URL": "https://api.example.com"}).smtp
    assert Settings.from_env({**environ, "FRONTEND_URL": "https://app.example.com/k?key={key}"}).smtp
