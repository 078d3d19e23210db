"""The `widget-api` command, run as a real process."""

import argparse
import os
import pty
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from playhouse.migrations import Migration, Runner

from service.cli import build_parser
from service.db.connection import MIGRATIONS_DIR, bind, open_database
from service.clock import utcnow
from service.db.models import AuthThrottle, IdempotencyKey, RefreshToken, RevokedToken, Session, User
from service.spec.document import load_spec

CLI = [sys.executable, "-m", "service.cli"]
MIGRATIONS = [migration.name for migration in Migration.load_directory(str(MIGRATIONS_DIR))]


@pytest.fixture
def cli_env(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [*CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert run("migrate").returncode == 0
    database = open_database(url)
    yield run, database
    database.close()


def test_migrate_reports_what_it_applied(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "APP_ENV": "testing"}
    first = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    second = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    assert first.returncode == 0 and "0001_users_and_revoked_tokens" in first.stdout
    assert second.stdout.strip() == "applied 0 migration(s)"


def test_add_user_with_password_stdin_creates_an_admin(cli_env):
    run, database = cli_env
    result = run("add-user", "Boss@Example.com", "--admin", "--password-stdin",
                 stdin="a long passphrase\n")
    assert result.returncode == 0, result.stderr
    assert "created admin boss@example.com" in result.stdout
    bind(database)
    assert User.get(User.email == "boss@example.com").admin is True


def test_add_user_existing_email_fails_with_a_clear_message(cli_env):
    run, _ = cli_env
    run("add-user", "a@example.com", "--password-stdin", stdin="a long passphrase\n")
    result = run("add-user", "A@example.com", "--password-stdin", stdin="another passphrase\n")
    assert result.returncode == 1
    assert "a@example.com is already registered" in result.stderr


def test_add_user_invalid_email_and_short_password_are_named(cli_env):
    run, _ = cli_env
    result = run("add-user", "first last", "--password-stdin", stdin="short\n")
    assert result.returncode == 1
    assert "email: first last is not a valid email" in result.stderr
    assert "password:" in result.stderr


def test_purge_tokens_prints_how_many_it_deleted(cli_env):
    run, database = cli_env
    bind(database)
    RevokedToken.create(jti="old", expires_at=utcnow() - timedelta(minutes=1))
    RevokedToken.create(jti="live", expires_at=utcnow() + timedelta(minutes=1))
    result = run("purge-tokens")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "purged 1 expired revoked token(s)"


def test_purge_tokens_also_purges_sessions_refresh_tokens_and_throttle_counters(cli_env):
    run, database = cli_env
    bind(database)
    now, long_ago = utcnow(), utcnow() - timedelta(seconds=60)  # testing tokens live 5 s
    user = User.create(email="purge@example.com", password_hash="x")
    ended = Session.create(user=user, expires_at=now + timedelta(hours=1), ended_at=long_ago)
    just_ended = Session.create(user=user, expires_at=now + timedelta(hours=1), ended_at=now)
    going = Session.create(user=user, expires_at=now + timedelta(hours=1))
    RefreshToken.create(token_hash="a" * 64, session=ended, expires_at=now)
    RefreshToken.create(token_hash="b" * 64, session=going, expires_at=long_ago, spent_at=long_ago)
    RefreshToken.create(token_hash="c" * 64, session=going, expires_at=now + timedelta(hours=1))
    AuthThrottle.create(key="address:old", hits=3, window_ends_at=long_ago)
    AuthThrottle.create(key="address:live", hits=3, window_ends_at=now + timedelta(hours=1))
    for key, expires_at in (("old", long_ago), ("live", now + timedelta(hours=1))):
        IdempotencyKey.create(
            scope="user:x", key=key, fingerprint="f" * 64, status=201, body="{}", expires_at=expires_at
        )
    result = run("purge-tokens")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "purged 1 ended or expired session(s)",
        "purged 2 spent or expired refresh token(s)",
        "purged 1 ended throttle counter(s)",
        "purged 1 expired idempotency key(s)",
    ]
    assert {s.id for s in Session.select()} == {just_ended.id, going.id}
    assert [t.token_hash for t in RefreshToken.select()] == ["c" * 64]
    assert [t.key for t in AuthThrottle.select()] == ["address:live"]
    assert [k.key for k in IdempotencyKey.select()] == ["live"]


@pytest.mark.parametrize("command", ["migrate", "add-user", "purge-tokens", "serve"])
def test_every_command_has_help_with_an_example(command):
    result = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "example:" in result.stdout


def test_production_without_secret_key_fails_clearly(tmp_path):
    env = {**os.environ, "APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_routes_lists_every_operation_of_the_spec():
    result = subprocess.run([*CLI, "routes"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["METHOD", "PATH", "OPERATION", "ACCESS"]
    listed = {tuple(row.split()[:3]) for row in rows}
    assert listed == {(op.method, op.path, op.id) for op in load_spec().operations}
    assert len(rows) == len(load_spec().operations)


@pytest.mark.parametrize(
    ("operation_id", "access"),
    [("auth.register", "anyone"), ("ops.health", "anyone"), ("auth.user", "token"),
     ("widgets.list", "token"), ("widgets.create", "admin"), ("widgets.delete", "admin")],
)
def test_routes_say_who_may_call_each_operation(operation_id, access):
    rows = subprocess.run([*CLI, "routes"], capture_output=True, text=True).stdout.splitlines()
    assert {row.split()[2]: row.split()[3] for row in rows[1:]}[operation_id] == access


def test_every_command_of_the_parser_has_help_with_an_example():
    subparsers = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    commands = subparsers[0].choices
    assert "routes" in commands
    for name, parser in commands.items():
        assert "example:" in (parser.epilog or ""), f"`widget-api {name} --help` shows no example"


def run_on_terminal(args, env):
    """Run the command with its output on a pseudo-terminal; return exit code and output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*CLI, *args], stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(timeout=60), output.decode()


SUCCEEDS = (["migrate"], "applied ")
FAILS = (["add-user", "first last", "--password-stdin"], "error: email: first last is not a valid")


@pytest.fixture
def plain_env(tmp_path):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    env.pop("NO_COLOR", None)
    return env


def test_success_is_green_on_a_terminal(plain_env):
    args, message = SUCCEEDS
    code, output = run_on_terminal(args, plain_env)
    assert code == 0
    assert "\033[32m" + message in output


def test_error_is_red_on_a_terminal_and_exits_non_zero(plain_env):
    args, message = FAILS
    code, output = run_on_terminal(args, plain_env)
    assert code == 1
    assert "\033[31m" + message in output


@pytest.mark.parametrize(("args", "message"), [SUCCEEDS, FAILS], ids=["success", "error"])
def test_no_color_keeps_a_terminal_plain(plain_env, args, message):
    _, output = run_on_terminal(args, {**plain_env, "NO_COLOR": "1"})
    assert message in output
    assert "\033[" not in output


@pytest.mark.parametrize(("args", "message"), [SUCCEEDS, FAILS], ids=["success", "error"])
def test_output_to_a_pipe_is_plain(plain_env, args, message):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=plain_env)
    assert message in result.stdout + result.stderr
    assert "\033[" not in result.stdout + result.stderr


@pytest.fixture
def unmigrated_env(tmp_path):
    """An environment whose DATABASE_URL names a SQLite file nobody has created yet."""
    path = tmp_path / "never-migrated.db"
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{path}",
           "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"}
    return env, path


UNMIGRATED_COMMANDS = {
    "add-user": ["add-user", "new@example.com", "--password-stdin"],
    "purge-tokens": ["purge-tokens"],
}


@pytest.mark.parametrize("args", UNMIGRATED_COMMANDS.values(), ids=UNMIGRATED_COMMANDS.keys())
def test_command_on_a_database_never_migrated_says_to_run_migrate(unmigrated_env, args):
    env, _ = unmigrated_env
    result = subprocess.run([*CLI, *args], input="a long passphrase\n", capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: the database schema is not up to date ({len(MIGRATIONS)} pending migration(s)): "
        "run `widget-api migrate`"
    ]


@pytest.mark.parametrize("args", UNMIGRATED_COMMANDS.values(), ids=UNMIGRATED_COMMANDS.keys())
def test_command_that_fails_on_a_missing_sqlite_file_leaves_no_file_behind(unmigrated_env, args):
    env, path = unmigrated_env
    subprocess.run([*CLI, *args], input="a long passphrase\n", capture_output=True, text=True,
                   env=env, timeout=60)
    assert not path.exists()


def test_command_on_a_partly_migrated_database_names_the_pending_count(unmigrated_env):
    env, path = unmigrated_env
    Runner(open_database(env["DATABASE_URL"]), directory=str(MIGRATIONS_DIR)).up(MIGRATIONS[0])
    result = subprocess.run([*CLI, "purge-tokens"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert f"({len(MIGRATIONS) - 1} pending migration(s)): run `widget-api migrate`" in result.stderr


MISTYPED_DATABASE_URLS = ["postgress://app@db.example/widgets", "widget.db",
                          "mysql//app@db.example/widgets", "mysql://app@db.example/widgets"]


@pytest.mark.parametrize("url", MISTYPED_DATABASE_URLS)
@pytest.mark.parametrize("command", ["migrate", "add-user", "purge-tokens", "serve"])
def test_every_command_refuses_a_mistyped_database_url_in_one_error_line(command, url):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url,
           "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"}
    args = [command, "new@example.com", "--password-stdin"] if command == "add-user" else [command]
    result = subprocess.run([*CLI, *args], input="a long passphrase\n", capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: DATABASE_URL ")
    assert line.endswith("use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME")


@pytest.mark.parametrize("name,value", [("TOKEN_LEEWAY_SECONDS", "²"),
                                        ("TOKEN_EXPIRE_SECONDS", "99999999999999999999"),
                                        ("WEB_CONCURRENCY", "many")])
def test_serve_refuses_a_malformed_number_in_one_error_line(name, value):
    env = {**os.environ, "APP_ENV": "testing", name: value,
           "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"}
    result = subprocess.run([*CLI, "serve"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {name} must be a whole number from ")


def test_add_user_refuses_a_password_on_stdin_that_is_not_utf8(tmp_path):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'u.db'}"}
    subprocess.run([*CLI, "migrate"], capture_output=True, env=env, timeout=60)
    result = subprocess.run([*CLI, "add-user", "new@example.com", "--password-stdin"],
                            input=b"\xff\xfe a long password\n", capture_output=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[-1] == "error: the password on stdin is not UTF-8 text"


def test_routes_into_a_reader_that_stopped_early_ends_quietly():
    reader, writer = os.pipe()
    os.close(reader)  # like `widget-api routes | head -1` once head has its line
    try:
        result = subprocess.run([*CLI, "routes"], stdout=writer, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"},
                                timeout=60)
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == 128 + signal.SIGPIPE


def test_output_that_cannot_be_written_is_one_error_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CLI, "routes"], stdout=full, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"},
                                timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: [Errno 28] No space left on device"]


@pytest.mark.parametrize("args", [["routes"], ["mock"]], ids=["routes", "mock"])
def test_a_malformed_port_is_one_error_line_and_only_where_it_is_used(args):
    env = {**os.environ, "PORT": "http", "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"}
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=60)
    if args == ["routes"]:
        assert result.returncode == 0 and result.stderr == ""
    else:
        assert result.returncode == 1
        assert result.stderr.splitlines()[-1] == (
            "error: PORT must be a whole number from 1 to 65535, not 'http'"
        )


def test_a_database_that_cannot_be_reached_is_one_error_line():
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
           "SECRET_KEY": "cli-test-secret-key-of-at-least-32-bytes"}
    result = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: the database cannot be reached: ")


def test_remove_factors_takes_every_second_factor_of_a_user_and_logs_an_audit_record(cli_env):
    from service.db.models import Passkey, RecoveryCode, Totp

    run, database = cli_env
    bind(database)
    user = User.create(email="lost@example.com", password_hash="x")
    Totp.create(user=user, sealed_secret="k.x", confirmed_at=utcnow(), last_step=1)
    RecoveryCode.create(user=user, code_hash="a" * 64)
    Passkey.create(user=user, credential_id="AQID", public_key="AQID", name="Phone")

    result = run("remove-factors", "Lost@Example.com")

    assert result.returncode == 0, result.stderr
    assert "TOTP 1, 1 recovery code(s), 1 passkey(s)" in result.stdout
    assert '"audit: every second factor of user' in result.stdout
    assert (Totp.select().count(), RecoveryCode.select().count(), Passkey.select().count()) == (0, 0, 0)


def test_remove_factors_of_an_unknown_user_fails_naming_it(cli_env):
    run, _ = cli_env
    result = run("remove-factors", "nobody@example.com")
    assert result.returncode == 1 and "nobody@example.com" in result.stderr
