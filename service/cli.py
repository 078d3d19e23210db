"""The `widget-api` command: schema migrations, users, token purging, routes, serving."""

import argparse
import getpass
import importlib.util
import io
import os
import signal
import sys
import threading
from pathlib import Path

# A command run with the web processes' environment must neither write its figures among
# theirs (every scrape would read them until the next start) nor fail on a directory only
# gunicorn uses: the metrics client reads the variable when imported, below. `serve` hands
# it back to gunicorn.
METRICS_DIR = os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

import peewee  # noqa: E402
from playhouse.migrations import Runner  # noqa: E402

from service.auth import accounts, sessions, throttle  # noqa: E402
from service.auth.passwords import Passwords  # noqa: E402
from service.db.connection import (  # noqa: E402
    MIGRATIONS_DIR,
    UNAVAILABLE,
    bind,
    open_database,
    pending_migrations,
    schema_behind,
    sqlstate,
)
from service.errors import ApiError, ServiceUnavailable  # noqa: E402
from service.idempotency import keys  # noqa: E402
from service.observability import configure_logging  # noqa: E402
from service.settings import ConfigError, Settings, integer, read  # noqa: E402
from service.spec.document import load_spec  # noqa: E402

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
GREEN, RED, RESET = "\033[32m", "\033[31m", "\033[0m"


class CommandError(Exception):
    """A failure to report in one line, with a non-zero exit."""


def wants_colour(stream) -> bool:
    """Colour only a terminal, and never when NO_COLOR is set (no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


def success(message: str) -> None:
    """Report what a command did, green on a terminal."""
    print(f"{GREEN}{message}{RESET}" if wants_colour(sys.stdout) else message)


def failure(message: str) -> None:
    """Report why a command failed on stderr, red on a terminal."""
    line = "error: " + " ".join(message.split())  # one line, whatever the driver's message spans
    print(f"{RED}{line}{RESET}" if wants_colour(sys.stderr) else line, file=sys.stderr)


def cmd_migrate(settings: Settings, args) -> None:
    """Create or upgrade the schema of DATABASE_URL."""
    database = open_database(
        settings.database_url, prepared=settings.database_prepared_statements, maintenance=True
    )
    applied = _migrate_one_by_one(database)
    success(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))


def _migrate_one_by_one(database) -> list[str]:
    """Apply pending migrations one at a time, so a failure names its migration and what was committed."""
    runner = Runner(database, directory=str(MIGRATIONS_DIR))
    applied: list[str] = []
    for name in [m.name for m in runner.status() if m.path is not None and not m.applied]:
        try:
            runner.up(target=name)
        except peewee.DatabaseError as failed:
            done = f"applied and committed before it: {', '.join(applied)}" if applied else "none applied"
            # the database answered the ones before it: its error is its own, not unreachability
            raise CommandError(f"migration {name} failed ({done}): database error: {failed}") from failed
        applied.append(name)
    return applied


def cmd_add_user(settings: Settings, args) -> None:
    """Create a user, reading the password from the terminal or one line of stdin."""
    # Imported here: the schema validators take half a second to import, which
    # `migrate` (run on every `scripts/serve`) and the other commands need not pay.
    from service.spec.validator import Validator

    password = _read_password(args.password_stdin)
    errors = Validator(load_spec().operations, settings.max_body_bytes).body_errors(
        "auth.register", {"email": args.email, "password": password}
    )
    if errors:
        raise CommandError("; ".join(f"{field}: {message}" for field, message in errors.items()))
    open_migrated(settings)
    try:
        user = accounts.register(
            args.email, password, Passwords.for_profile(settings.env), admin=args.admin,
            verified=True,
        )
    except ServiceUnavailable as refused:  # the database's own refusal says more than a 503's text
        raise refused.__cause__ or refused
    except ApiError as refused:
        raise CommandError(refused.message) from None
    role = "admin" if args.admin else "user"
    success(f"created {role} {user.email} (public_id {user.public_id})")


def cmd_purge_tokens(settings: Settings, args) -> None:
    """Delete revocation entries whose tokens have expired, sessions and refresh tokens no
    token of theirs can use any more, throttle counters whose window has ended, and
    stored answers whose idempotency keys have expired."""
    open_migrated(settings, maintenance=True)
    purged = accounts.purge_expired(settings.token_leeway_seconds)
    success(f"purged {purged} expired revoked token(s)")
    # an ended session's row must outlive every access token it issued, each checked against it
    keep = settings.token_expire_seconds + settings.token_leeway_seconds
    ended, refresh_tokens = sessions.purge_expired(keep)
    success(f"purged {ended} ended or expired session(s)")
    success(f"purged {refresh_tokens} spent or expired refresh token(s)")
    success(f"purged {throttle.purge_ended()} ended throttle counter(s)")
    success(f"purged {keys.purge_expired()} expired idempotency key(s)")


def cmd_remove_factors(settings: Settings, args) -> None:
    """Remove every second factor (TOTP, recovery codes, passkeys) of a user who lost them all;
    their password then logs in alone. Logged as an audit record naming the operator."""
    from service.mfa import factors

    configure_logging()
    open_migrated(settings)
    try:
        removed = factors.remove_all(args.email, getpass.getuser())
    except ApiError as refused:
        raise CommandError(refused.message) from None
    success(f"removed from {args.email}: TOTP {removed['totp']}, "
            f"{removed['recovery_codes']} recovery code(s), {removed['passkeys']} passkey(s)")


def cmd_mailer(settings: Settings, args) -> None:
    """Deliver the mail outbox over SMTP_URL (outside production without it, to this output)
    until SIGTERM; with --once, deliver what is due and exit."""
    from service import observability
    from service.mail.mailer import Mailer
    from service.mail.transport import PrintTransport, SmtpTransport

    observability.configure_logging(stream=sys.stderr)
    open_migrated(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if settings.smtp is not None:
        transport = SmtpTransport(settings.smtp)
    elif settings.env != "production":
        transport = PrintTransport()
    else:
        print("mailer: mail is off (SMTP_URL is not set); nothing to deliver", file=sys.stderr)
        if not args.once:
            stop.wait()
        return
    mailer = Mailer(transport, settings.mail_from, lease_seconds=args.lease_seconds)
    if args.once:
        tally = mailer.deliver_due()
        print(f"mailer: {tally.sent} sent, {tally.retried} to retry, {tally.failed} failed",
              file=sys.stderr)
        return
    print(f"mailer: delivering to {transport} until SIGTERM", file=sys.stderr)
    mailer.run(stop)


def cmd_outbox(settings: Settings, args) -> None:
    """Print how many mails are pending, sent and failed."""
    from service.mail import outbox

    open_migrated(settings)
    counts = outbox.counts()
    print(" ".join(f"{state} {counts[state]}" for state in ("pending", "sent", "failed")))


def open_migrated(settings: Settings, maintenance: bool = False) -> None:
    """Bind the models to the existing, fully migrated database, or say to run `migrate`."""
    database = open_database(
        settings.database_url, create=False, prepared=settings.database_prepared_statements,
        maintenance=maintenance,
    )
    pending = pending_migrations(database)
    if pending:
        raise CommandError(schema_behind(pending))
    bind(database)


def cmd_routes(settings: Settings, args) -> None:
    """List every route of the spec: method, path, operationId and who may call it."""
    rows = [("METHOD", "PATH", "OPERATION", "ACCESS")] + [
        (op.method, op.path, op.id, access(op)) for op in load_spec().operations
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])


# The one operation limited by the caller's address rather than a token (service/ops.py).
ADDRESS_LIMITED = {"ops.metrics": "METRICS_ALLOW_FROM"}


def access(op) -> str:
    """Who may call an operation: anyone, any valid token, an admin's token, or the addresses
    a setting names."""
    if op.id in ADDRESS_LIMITED:
        return ADDRESS_LIMITED[op.id]
    if op.admin_only:
        return "admin"
    return "token" if op.secured else "anyone"


def cmd_serve(settings: Settings, args) -> None:
    """Run gunicorn with gunicorn.conf.py (PORT, WEB_CONCURRENCY and GUNICORN_CMD_ARGS apply)."""
    # gunicorn reads WEB_CONCURRENCY with a bare int() before our config file runs:
    # check it here, so that a bad value is one line too (gunicorn.conf.py checks the rest),
    # and hand gunicorn the value as read (a blank one is unset: the default applies).
    integer(os.environ, "WEB_CONCURRENCY", 1, 1, 64)
    workers = read(os.environ, "WEB_CONCURRENCY")
    if workers is None:
        os.environ.pop("WEB_CONCURRENCY", None)
    else:
        os.environ["WEB_CONCURRENCY"] = workers
    if METRICS_DIR is not None:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR
    beside_python = Path(sys.executable).with_name("gunicorn")
    gunicorn = str(beside_python) if beside_python.exists() else "gunicorn"
    try:
        os.execvp(gunicorn, [gunicorn, "-c", str(GUNICORN_CONF)])
    except FileNotFoundError:
        raise CommandError("gunicorn is not installed (pip install -e .)") from None


def cmd_mock(settings: Settings, args) -> None:
    """Serve the spec's examples on a port, for client developers (connexion's mock server)."""
    if importlib.util.find_spec("connexion") is None:
        raise CommandError("the mock server needs the test extras: bash scripts/install test")
    port = args.port or integer(os.environ, "PORT", 8080, 1, 65535)
    command = [sys.executable, "-m", "service.mock", "--host", args.host, "--port", str(port)]
    os.execv(sys.executable, command)


NO_PASSWORD = "no password given: type it at a terminal, or pipe one line with --password-stdin"


def _read_password(from_stdin: bool) -> str:
    """The password from one line of stdin, or typed twice at the terminal; a CommandError without one."""
    if sys.stdin is None:  # stdin closed (<&-)
        raise CommandError(NO_PASSWORD)
    if from_stdin:
        line = sys.stdin.buffer.readline()
        try:
            return line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise CommandError("the password on stdin is not UTF-8 text") from None
    try:  # without a terminal getpass reads stdin, which may be empty
        first, again = getpass.getpass("Password: "), getpass.getpass("Repeat password: ")
    except EOFError:
        raise CommandError(NO_PASSWORD) from None
    if first != again:
        raise CommandError("the two passwords differ")
    try:
        first.encode("utf-8")
    except UnicodeEncodeError:  # the terminal sent bytes that are not UTF-8
        raise CommandError("the password typed is not UTF-8 text") from None
    return first


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="widget-api",
        description="Manage and run the Widget API. Settings come from the environment "
        "(APP_ENV, DATABASE_URL, SECRET_KEY, ...).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "migrate", help=cmd_migrate.__doc__, description=cmd_migrate.__doc__,
        epilog="example: DATABASE_URL=postgresql://localhost/widgets widget-api migrate",
    ).set_defaults(run=cmd_migrate)
    add_user = commands.add_parser(
        "add-user", help=cmd_add_user.__doc__, description=cmd_add_user.__doc__,
        epilog="example: echo 'a long passphrase' | widget-api add-user admin@example.com "
        "--admin --password-stdin",
    )
    add_user.add_argument("email")
    add_user.add_argument("--admin", action="store_true", help="give the user admin rights")
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )
    add_user.set_defaults(run=cmd_add_user)
    commands.add_parser(
        "purge-tokens", help=cmd_purge_tokens.__doc__, description=cmd_purge_tokens.__doc__,
        epilog="example: widget-api purge-tokens   (schedule it, e.g. hourly from cron)",
    ).set_defaults(run=cmd_purge_tokens)
    remove_factors = commands.add_parser(
        "remove-factors", help=cmd_remove_factors.__doc__, description=cmd_remove_factors.__doc__,
        epilog="example: widget-api remove-factors user@example.com   (after checking who asks)",
    )
    remove_factors.add_argument("email")
    remove_factors.set_defaults(run=cmd_remove_factors)
    mailer = commands.add_parser(
        "mailer", help=cmd_mailer.__doc__, description=cmd_mailer.__doc__,
        epilog="example: SMTP_URL=smtp+starttls://user:pass@smtp.example.com widget-api mailer",
    )
    mailer.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    mailer.add_argument(
        "--lease-seconds", type=int, default=60, metavar="SECONDS",
        help="how long a claimed mail waits before another mailer may take it (default 60)",
    )
    mailer.set_defaults(run=cmd_mailer)
    commands.add_parser(
        "outbox", help=cmd_outbox.__doc__, description=cmd_outbox.__doc__,
        epilog="example: widget-api outbox   ->   pending 0 sent 12 failed 0",
    ).set_defaults(run=cmd_outbox)
    commands.add_parser(
        "routes", help=cmd_routes.__doc__,
        description=cmd_routes.__doc__ + " ACCESS is anyone, token (any valid bearer token) "
        "admin (an administrator's token) or METRICS_ALLOW_FROM (the addresses that setting "
        "allows, this host by default).",
        epilog="example: widget-api routes | grep admin",
    ).set_defaults(run=cmd_routes)
    mock = commands.add_parser(
        "mock", help=cmd_mock.__doc__,
        description=cmd_mock.__doc__ + " Requests are validated against the spec; every "
        "operation answers its documented example, and any bearer token is accepted.",
        epilog="example: widget-api mock --port 8080 & "
        "curl -H 'Authorization: Bearer x' localhost:8080/api/v1/widgets/my-widget",
    )
    mock.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    mock.add_argument(
        "--port", type=int, default=None,
        help="port to listen on (default PORT, else 8080)",
    )
    mock.set_defaults(run=cmd_mock)
    commands.add_parser(
        "serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__,
        epilog="example: PORT=8080 WEB_CONCURRENCY=4 widget-api serve",
    ).set_defaults(run=cmd_serve)
    return parser


class _ClosedOutput(io.TextIOBase):
    """Standard output closed (>&-): a command's first line fails as a write to it would."""

    def write(self, text: str) -> int:
        raise OSError("cannot write the output: standard output is closed")


def main(argv=None) -> int:
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    args = build_parser().parse_args(argv)
    try:
        args.run(Settings.from_env(), args)
        sys.stdout.flush()  # here, so that a reader gone away is caught below
    except BrokenPipeError:
        # The reader stopped early (`widget-api routes | head -1`): end quietly, as a tool
        # killed by SIGPIPE would, without Python's complaint when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except (CommandError, ConfigError) as refused:
        failure(str(refused))
        return 1
    except UNAVAILABLE as unreachable:
        failure(f"{_what_failed(unreachable)}: {unreachable}")
        return 1
    except peewee.DatabaseError as broken:
        missing = isinstance(broken, peewee.ProgrammingError) and args.command != "migrate"
        hint = " (has `widget-api migrate` run?)" if missing else ""
        failure(f"database error: {broken}{hint}")
        return 1
    except KeyboardInterrupt:
        failure("interrupted")
        return 130
    except OSError as failed:  # an output that cannot be written (a full disk, ...)
        failure(str(failed))
        return 1
    return 0


# A server that answered, with a timeout or a refusal: not one that cannot be reached.
ANSWERED = ("55P03", "57014", "25006")  # lock timeout, statement timeout, read-only transaction
ANSWERED_SQLITE = ("readonly database", "database is locked")


def _what_failed(error: Exception) -> str:
    """Name an operational error for what it is: the database unreachable, or its own refusal."""
    if sqlstate(error) in ANSWERED or any(text in str(error) for text in ANSWERED_SQLITE):
        return "database error"
    return "the database cannot be reached"


if __name__ == "__main__":
    sys.exit(main())
