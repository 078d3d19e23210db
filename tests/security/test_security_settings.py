"""The security settings from the environment: safe defaults, unsafe values refused at start-up."""

import ipaddress

import pytest

from service.settings import ConfigError, Settings

STRONG = "Zq8-vR3_pL0x-Wn5_tY7k-Jb2_mH9s-Fd4"  # 34 bytes, looks random: accepted in production
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": STRONG}


def settings(**env) -> Settings:
    return Settings.from_env({"SECRET_KEY": STRONG, **env})


def test_defaults_are_the_documented_ones():
    defaults = Settings.from_env(PRODUCTION)
    assert defaults.token_leeway_seconds == 0
    assert defaults.token_issuer is None and defaults.token_audience is None
    assert defaults.previous_secret_keys == ()
    assert (defaults.login_max_failures, defaults.login_failure_window_seconds) == (5, 900)
    assert defaults.auth_rate_limit == (30, 60)
    assert defaults.trusted_proxies == ()
    assert defaults.cors_origins == ()


# RFC 8725 §3.5 (key entropy): a previous key is held to the same 32-byte minimum as SECRET_KEY.
def test_short_previous_key_is_refused():
    with pytest.raises(ConfigError, match="PREVIOUS_SECRET_KEYS entry 2"):
        settings(PREVIOUS_SECRET_KEYS=f"{'a' * 32},short")


def test_previous_keys_are_a_comma_separated_list():
    keys = settings(PREVIOUS_SECRET_KEYS=f" {'a' * 32} , {'b' * 40} ").previous_secret_keys
    assert keys == ("a" * 32, "b" * 40)


@pytest.mark.parametrize("value,expected", [("10/60", (10, 60)), ("0", None), (" 5/1 ", (5, 1))])
def test_auth_rate_limit_is_n_per_seconds_or_off(value, expected):
    assert settings(AUTH_RATE_LIMIT=value).auth_rate_limit == expected


@pytest.mark.parametrize("value", ["30", "30/0", "0/60", "a/b", "30/60/2", "-1/60"])
def test_malformed_auth_rate_limit_is_refused(value):
    with pytest.raises(ConfigError, match="AUTH_RATE_LIMIT"):
        settings(AUTH_RATE_LIMIT=value)


@pytest.mark.parametrize("name", ["LOGIN_MAX_FAILURES", "LOGIN_FAILURE_WINDOW_SECONDS"])
def test_account_limits_must_be_positive(name):
    with pytest.raises(ConfigError, match=name):
        settings(**{name: "0"})


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_malformed_leeway_is_refused(value):
    with pytest.raises(ConfigError, match="TOKEN_LEEWAY_SECONDS"):
        settings(TOKEN_LEEWAY_SECONDS=value)


def test_trusted_proxies_accept_addresses_and_networks():
    proxies = settings(TRUSTED_PROXIES="10.0.0.1, 192.168.0.0/16, ::1").trusted_proxies
    assert ipaddress.ip_address("192.168.4.2") in proxies[1]
    assert len(proxies) == 3


def test_malformed_trusted_proxy_is_refused():
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        settings(TRUSTED_PROXIES="10.0.0.1, proxy.example.com")


def test_cors_defaults_to_every_origin_in_development_only():
    assert settings().cors_origins == ("*",)
    assert settings(APP_ENV="testing").cors_origins == ()


def test_cors_origins_are_a_comma_separated_list():
    origins = settings(CORS_ORIGINS="https://a.example.com, http://localhost:3000/").cors_origins
    assert origins == ("https://a.example.com", "http://localhost:3000")


def test_a_blank_cors_origins_reads_as_unset_like_every_variable():
    assert settings(CORS_ORIGINS=" ").cors_origins == ("*",)
    assert settings(APP_ENV="testing", CORS_ORIGINS="").cors_origins == ()


# OWASP HTML5 Security Cheat Sheet (CORS): a wildcard is never allowed in production.
def test_wildcard_cors_is_refused_in_production():
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        Settings.from_env({**PRODUCTION, "CORS_ORIGINS": "*"})


@pytest.mark.parametrize("value", ["app.example.com", "https://a.example.com/path", "*, https://a.example.com"])
def test_malformed_cors_origin_is_refused(value):
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        settings(CORS_ORIGINS=value)
