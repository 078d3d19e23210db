"""What a new user meets in a fresh checkout: database URLs, the development key, the CLI."""

import pytest

from tests.support.checkout import cli, fresh_checkout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return fresh_checkout(tmp_path_factory.mktemp("clone"))


def files_made(checkout, before: set) -> set:
    return {path.name for path in checkout.iterdir()} - before


@pytest.mark.parametrize(
    "url,would_have_worked",
    [("sqlite:widget.db", "sqlite:///widget.db"), ("sqlite:/widget.db", "sqlite:////widget.db"),
     ("sqlite://widget.db", "sqlite:///widget.db")],
)
def test_a_sqlite_url_out_of_the_convention_is_one_error_line_showing_the_form_that_works(
    checkout, url, would_have_worked
):
    before = {path.name for path in checkout.iterdir()}
    done = cli(checkout, "migrate", env={"DATABASE_URL": url})
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DATABASE_URL"), done.stderr
    assert f"write {would_have_worked}" in lines[0]
    assert files_made(checkout, before) == set()  # no idget.db, no widget.db


def test_an_absolute_path_read_as_relative_shows_the_four_slash_form(checkout, tmp_path):
    meant = tmp_path / "app.db"
    done = cli(checkout, "migrate", env={"DATABASE_URL": f"sqlite://{meant}"})
    assert done.returncode == 1
    assert f"write sqlite:///{meant}" in done.stderr, done.stderr


@pytest.mark.parametrize("relative", [True, False])
def test_the_two_sqlite_forms_open_exactly_the_file_they_name(checkout, tmp_path, relative):
    url = "sqlite:///data/widget.db" if relative else f"sqlite:///{tmp_path / 'widget.db'}"
    (checkout / "data").mkdir(exist_ok=True)
    done = cli(checkout, "migrate", env={"DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    made = checkout / "data" / "widget.db" if relative else tmp_path / "widget.db"
    assert made.is_file()


def test_the_walkthroughs_commands_sign_nothing_and_say_nothing_of_the_development_key(
    checkout, tmp_path
):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    said = [cli(checkout, "migrate", env=env), cli(checkout, "routes", env=env),
            cli(checkout, "add-user", "admin@example.com", "--admin", "--password-stdin",
                env=env, stdin="a long admin passphrase\n"),
            cli(checkout, "purge-tokens", env=env)]
    for done in said:
        assert done.returncode == 0, done.stderr
        assert "SECRET_KEY" not in done.stdout + done.stderr
