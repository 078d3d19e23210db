"""What a new user meets in a fresh checkout: database URLs, the development key, the CLI."""

import os
import socket
import subprocess
import time

import pytest
import requests

from tests.support.checkout import ROOT, cli, fresh_checkout
from tests.support.gunicorn import free_port


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


def serve_env(tmp_path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "APP_ENV", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")
           and not key.startswith("WIDGET_API_")}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(HOST="127.0.0.1", WEB_CONCURRENCY="1", TMPDIR=str(tmp_path / "tmp"), **extra)
    return env


def test_serve_on_a_taken_port_says_so_first_and_how_to_choose_another(checkout, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            ["bash", "scripts/serve"], cwd=checkout, env=serve_env(tmp_path, PORT=str(port)),
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith(f"error: port {port} is already in use") and "PORT=" in lines[0]
    assert "Serving" not in output and "Errno" not in output
    assert list((tmp_path / "tmp").iterdir()) == []


def test_serve_with_a_mistyped_port_says_only_that(checkout, tmp_path):
    done = subprocess.run(
        ["bash", "scripts/serve"], cwd=checkout, env=serve_env(tmp_path, PORT="80o3"),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode != 0
    assert (done.stdout + done.stderr).splitlines() == [
        "error: PORT must be a whole number from 1 to 65535, not '80o3'"
    ]


def test_gunicorn_that_cannot_bind_leaves_no_metrics_directory(checkout, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(checkout / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"], cwd=checkout,
            env=serve_env(tmp_path, PORT=str(port)), capture_output=True, text=True, timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert list((tmp_path / "tmp").iterdir()) == []


def test_serve_says_serving_once_it_listens_and_warns_of_the_key_once(checkout, tmp_path):
    port = free_port()
    serving = subprocess.Popen(
        ["bash", "scripts/serve"], cwd=checkout, env=serve_env(tmp_path, PORT=str(port)),
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
    finally:
        serving.terminate()
        output = serving.communicate(timeout=60)[0]
    assert output.count(f"Serving http://localhost:{port} ") == 1, output
    assert output.index("Listening at") < output.index("Serving")
    assert output.count("SECRET_KEY is not set") == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_routes_say_the_metrics_are_limited_by_address(checkout):
    done = cli(checkout, "routes")
    row = next(line for line in done.stdout.splitlines() if " ops.metrics " in line)
    assert row.split()[-1] == "METRICS_ALLOW_FROM"
    assert "anyone" not in row


def test_mock_without_the_test_extras_names_the_projects_install_step(checkout, tmp_path):
    """A Python without connexion: the service's own dependencies only."""
    hidden = tmp_path / "no_connexion"
    hidden.mkdir()
    (hidden / "sitecustomize.py").write_text(  # connexion looks absent, as it is without them
        "import importlib.util\n"
        "found = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *rest: None if name == 'connexion' "
        "else found(name, *rest)\n"
    )
    done = cli(checkout, "mock", env={"PYTHONPATH": str(hidden)})
    assert done.returncode == 1
    assert done.stderr.strip() == "error: the mock server needs the test extras: bash scripts/install test"


README = (ROOT / "README.md").read_text()


def test_before_you_start_names_promtool():
    before = README.split("## Before you start")[1].split("\n## ")[0]
    assert "promtool" in before and "`prometheus`" in before


def test_conditional_requests_are_documented_outside_the_readme_steps():
    clients = (ROOT / "docs" / "clients.md").read_text()
    section = clients.split("## Conditional requests")[1]
    for rule in ("If-None-Match", "If-Match", "304", "412", "If-None-Match: *", "POST /api/v1/widgets"):
        assert rule in section, rule


def test_step_13_gives_a_command_for_each_user_operation_and_the_last_administrator_409():
    step = README.split("# 13.")[1].split("# 14.")[0]
    assert "curl -s $API/users/$USER_ID" in step  # show
    assert '\'{"admin": true}\'' in step and '\'{"admin": false}\'' in step
    assert "-X DELETE $API/users/" in step
    assert "409" in step and "There must always be at least one administrator" in step


def test_a_json_body_sent_as_a_form_is_told_to_send_content_type_json(client):
    from tests.support.inprocess import assert_envelope
    response = client.simulate_post(
        "/api/v1/auth/register",
        body='{"email": "user@example.com", "password": "correct horse battery"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_envelope(response, 400)
    assert response.json["errors"] == {"body": (
        "the body is a JSON object sent as a form: send it with Content-Type: application/json"
    )}
