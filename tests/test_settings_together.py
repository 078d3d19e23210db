"""Settings each fine alone that cannot work together are refused at start, naming them."""

import pytest

from service.settings import ConfigError, Settings
from tests.server.test_configuration_errors import assert_refused_in_one_line, start_gunicorn


def test_sessions_that_would_end_before_their_access_tokens_are_refused():
    with pytest.raises(ConfigError, match="^REFRESH_TOKEN_EXPIRE_SECONDS .*TOKEN_EXPIRE_SECONDS"):
        Settings.from_env({"REFRESH_TOKEN_EXPIRE_SECONDS": "3", "TOKEN_EXPIRE_SECONDS": "120"})


def test_unset_refresh_lifetime_outlives_a_long_access_lifetime():
    settings = Settings.from_env({"APP_ENV": "testing", "TOKEN_EXPIRE_SECONDS": "300"})
    assert settings.refresh_token_expire_seconds >= settings.token_expire_seconds


def test_a_leeway_longer_than_the_token_is_refused():
    with pytest.raises(ConfigError, match="^TOKEN_LEEWAY_SECONDS .*TOKEN_EXPIRE_SECONDS"):
        Settings.from_env({"TOKEN_LEEWAY_SECONDS": "300", "TOKEN_EXPIRE_SECONDS": "60"})


@pytest.mark.parametrize("name,origin", [("PUBLIC_URL", "https://api.example.com:0"),
                                         ("CORS_ORIGINS", "https://app.example.com:0"),
                                         ("CORS_ORIGINS", "https://app.example.com:99999")])
def test_an_origin_with_a_port_no_server_listens_on_is_refused(name, origin):
    with pytest.raises(ConfigError, match=f"^{name}"):
        Settings.from_env({name: origin})


@pytest.mark.server
def test_gunicorn_refuses_the_refresh_lifetime_below_the_access_lifetime_in_one_line():
    result = start_gunicorn(REFRESH_TOKEN_EXPIRE_SECONDS="3", TOKEN_EXPIRE_SECONDS="120")
    assert_refused_in_one_line(result, "error: REFRESH_TOKEN_EXPIRE_SECONDS (3) must be at least "
                                       "TOKEN_EXPIRE_SECONDS (120)")


@pytest.mark.server
def test_gunicorn_refuses_a_worker_timeout_below_the_database_bounds_in_one_line():
    result = start_gunicorn(GUNICORN_TIMEOUT="3")
    assert_refused_in_one_line(result, "error: GUNICORN_TIMEOUT (3) must be at least 20")
