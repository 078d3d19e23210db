"""Settings from the environment."""

import pytest

from service.settings import ConfigError, Settings

STRONG = "k" * 32


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
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert len(settings.secret_key) >= 32
    assert "SECRET_KEY is not set" in caplog.text


def test_fixed_key_warning_is_given_once_to_an_environment_and_what_it_starts(caplog):
    environ = {}
    Settings.from_env(environ)
    Settings.from_env(environ)
    assert caplog.text.count("SECRET_KEY is not set") == 1


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
