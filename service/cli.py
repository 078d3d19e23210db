"""The `widget-api` command: schema migrations, users, token purging, serving."""

import argparse
import getpass
import os
import sys
from pathlib import Path

import peewee

from service.auth import accounts
from service.auth.passwords import Passwords
from service.db.connection import UNAVAILABLE, bind, migrate, open_database
from service.errors import ApiError
from service.settings import ConfigError, Settings
from service.spec import load_spec
from service.validation import Validator

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class CommandError(Exception):
    """A failure to report in one line, with a non-zero exit."""


def cmd_migrate(settings: Settings, args) -> None:
    """Create or upgrade the schema of DATABASE_URL."""
    applied = migrate(open_database(settings.database_url))
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))


def cmd_add_user(settings: Settings, args) -> None:
    """Create a user, reading the password from the terminal or one line of stdin."""
    password = _read_password(args.password_stdin)
    errors = Validator(load_spec().operations, settings.max_body_bytes).body_errors(
        "auth.register", {"email": args.email, "password": password}
    )
    if errors:
        raise CommandError("; ".join(f"{field}: {message}" for field, message in errors.items()))
    bind(open_database(settings.database_url))
    try:
        user = accounts.register(
            args.email, password, Passwords.for_profile(settings.env), admin=args.admin
        )
    except ApiError as refused:
        raise CommandError(refused.message) from None
    role = "admin" if args.admin else "user"
    print(f"created {role} {user.email} (public_id {user.public_id})")


def cmd_purge_tokens(settings: Settings, args) -> None:
    """Delete revocation entries whose tokens have expired."""
    bind(open_database(settings.database_url))
    print(f"purged {accounts.purge_expired()} expired revoked token(s)")


def cmd_serve(settings: Settings, args) -> None:
    """Run gunicorn with gunicorn.conf.py (PORT, WEB_CONCURRENCY and GUNICORN_CMD_ARGS apply)."""
    os.execvp("gunicorn", ["gunicorn", "-c", str(GUNICORN_CONF)])


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise CommandError("the two passwords differ")
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
    commands.add_parser(
        "serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__,
        epilog="example: PORT=8080 WEB_CONCURRENCY=4 widget-api serve",
    ).set_defaults(run=cmd_serve)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(Settings.from_env(), args)
    except (CommandError, ConfigError) as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    except UNAVAILABLE as failure:
        print(f"error: the database cannot be reached: {failure}", file=sys.stderr)
        return 1
    except peewee.DatabaseError as failure:
        print(f"error: database error: {failure} (has `widget-api migrate` run?)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
