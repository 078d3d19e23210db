"""Absolute URLs (Location, Link): PUBLIC_URL when set, else a Host header checked first."""

import falcon.testing
import pytest

from service.app import create_app
from service.db.models import Widget
from service.settings import ConfigError, Settings
from tests.support.inprocess import assert_envelope
from tests.support.settings import make_settings
from tests.support.widgets import WIDGETS, widget_body

FORGED = 'x>; rel="next", <https://evil.example/'
PUBLIC = "https://api.example.com"
CHANGES = {"info_url": "https://example.com/v2", "deadline": "2031-01-31"}


@pytest.fixture
def public_client(database_url, database, client) -> falcon.testing.TestClient:
    """A client of an app configured with PUBLIC_URL, on the emptied database."""
    return falcon.testing.TestClient(create_app(make_settings(database_url, PUBLIC_URL=PUBLIC), database))


@pytest.mark.parametrize(
    "host", [FORGED, "evil.example/", "a,b", "a b", "user@host", "host:", "host:99999", "[::g]", ""],
    ids=["link-forgery", "slash", "comma", "space", "userinfo", "empty-port", "big-port", "bad-ipv6", "empty"],
)
def test_list_answers_400_to_a_host_header_that_is_not_a_host_and_port(client, user, host):
    response = client.simulate_get(WIDGETS, headers={**user, "Host": host})
    assert_envelope(response, 400, "Host header is not a valid host[:port]")
    assert "Link" not in response.headers


@pytest.mark.parametrize("host", ["api.example.com", "localhost:8000", "127.0.0.1:8001", "[::1]:8000",
                                  "my_service", "example.com."])
def test_list_links_use_a_valid_host_header(client, user, host):
    response = client.simulate_get(WIDGETS, headers={**user, "Host": host})
    assert response.status_code == 200
    assert response.headers["Link"].startswith(f"<http://{host}/api/v1/widgets?")


def test_create_with_a_forged_host_answers_400_and_creates_nothing(client, admin):
    response = client.simulate_post(WIDGETS, json=widget_body(), headers={**admin, "Host": FORGED})
    assert_envelope(response, 400, "Host header is not a valid host[:port]")
    assert Widget.select().count() == 0


def test_update_with_a_forged_host_answers_400_and_changes_nothing(client, admin):
    client.simulate_post(WIDGETS, json=widget_body("my-widget"), headers=admin)
    response = client.simulate_put(f"{WIDGETS}/my-widget", json=CHANGES, headers={**admin, "Host": FORGED})
    assert_envelope(response, 400, "Host header is not a valid host[:port]")
    assert Widget.get().info_url == "https://www.example.com/w"


def test_with_public_url_location_uses_it_whatever_the_host(public_client, admin):
    response = public_client.simulate_post(WIDGETS, json=widget_body("w1"), headers={**admin, "Host": FORGED})
    assert response.headers["Location"] == f"{PUBLIC}/api/v1/widgets/w1"
    created = public_client.simulate_put(f"{WIDGETS}/w2", json=CHANGES, headers={**admin, "Host": "other.example"})
    assert created.headers["Location"] == f"{PUBLIC}/api/v1/widgets/w2"


def test_with_public_url_every_link_uses_it(public_client, user):
    link = public_client.simulate_get(WIDGETS, headers={**user, "Host": FORGED}).headers["Link"]
    targets = [part.split(">")[0].lstrip(" <") for part in link.split(",")]
    assert len(targets) == 3 and all(t.startswith(f"{PUBLIC}/api/v1/widgets?page=") for t in targets)


@pytest.mark.parametrize(
    "value,expected",
    [("https://api.example.com", "https://api.example.com"),
     ("https://api.example.com/", "https://api.example.com"),
     ("HTTP://localhost:8080", "http://localhost:8080"),
     ("http://[::1]:8000", "http://[::1]:8000"),
     ("", None)],
)
def test_public_url_setting_is_an_origin(value, expected):
    assert Settings.from_env({"PUBLIC_URL": value}).public_url == expected


@pytest.mark.parametrize(
    "value",
    ["api.example.com", "ftp://api.example.com", "https://api.example.com/base",
     "https://user:pw@api.example.com", "https://api.example.com?x=1", "https://", "https://a b",
     'https://x>; rel="next"'],
)
def test_public_url_that_is_not_an_origin_is_refused_at_start_up(value):
    with pytest.raises(ConfigError, match="PUBLIC_URL must be the origin clients reach the service at"):
        Settings.from_env({"PUBLIC_URL": value})
