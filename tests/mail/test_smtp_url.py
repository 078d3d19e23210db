"""SMTP_URL: its three schemes, percent-decoded credentials that are never shown, one-line refusals."""

import pytest

from service.mail.smtp_url import parse_smtp_url
from service.settings import ConfigError, Settings


def test_each_scheme_has_its_default_port():
    assert parse_smtp_url("smtp://relay").port == 25
    assert parse_smtp_url("smtp+starttls://mail.example.com").port == 587
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    assert parse_smtp_url("smtp://relay:2525").port == 2525


def test_credentials_are_percent_decoded_and_never_shown():
    target = parse_smtp_url("smtps://me%40example.com:p%3Ass%2Fw0rd@mail.example.com")
    assert (target.username, target.password) == ("me@example.com", "p:ss/w0rd")
    assert "p:ss" not in str(target) and "p:ss" not in repr(target)
    assert "p%3Ass" not in str(target) and "p%3Ass" not in repr(target)


def test_unset_is_none():
    assert parse_smtp_url("") is None
    assert parse_smtp_url("  ") is None


@pytest.mark.parametrize("url", [
    "http://mail.example.com", "mail.example.com", "smtp://", "smtp://host:99999",
    "smtp://user@host", "smtp://host/path", "smtp://host?x=1",
])
def test_a_mistyped_url_is_refused_in_one_line_without_its_password(url):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"APP_ENV": "testing", "SMTP_URL": url + "" })
    assert "\n" not in str(refused.value) and str(refused.value).startswith("SMTP_URL")


def test_a_refusal_does_not_show_the_password():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"APP_ENV": "testing", "SMTP_URL": "smtq://u:secretpw@host"})
    assert "secretpw" not in str(refused.value)


def test_production_without_smtp_url_turns_mail_off_and_refuses_mandatory_verification():
    base = {"APP_ENV": "production", "SECRET_KEY": "Zx8-qL2vN7pR4tW9yB3mK6cF1hJ5sD0gA8eU2iO7", "MAIL_OFF_WARNED": ""}
    assert Settings.from_env(dict(base)).mail_enabled is False
    with pytest.raises(ConfigError, match="SMTP_URL"):
        Settings.from_env({**base, "EMAIL_VERIFICATION": "mandatory"})
    assert Settings.from_env({**base, "SMTP_URL": "smtp://relay", "PUBLIC_URL": "https://api.example.com"}).mail_enabled is True


@pytest.mark.parametrize("name, value", [
    ("EMAIL_VERIFICATION", "sometimes"), ("MAIL_FROM", "not an address"),
    ("FRONTEND_URL", "https://app.example.com/reset"), ("PASSWORD_RESET_EXPIRE_SECONDS", "5"),
])
def test_bad_mail_settings_are_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"APP_ENV": "testing", name: value})
