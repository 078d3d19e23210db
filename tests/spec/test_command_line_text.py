"""`widget-api add-user` holds its input to the spec's rules even when it is not UTF-8 text."""

import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}

    def run(*args, stdin: bytes = b""):
        return subprocess.run([*CLI, *args], input=stdin, capture_output=True, env=env, timeout=60)

    assert run("migrate").returncode == 0
    return run


# Python decodes bytes that are not UTF-8 in argv to lone surrogates; stdin is read as bytes.
@pytest.mark.parametrize(
    "email, password, message",
    [
        (b"a\xff@example.com", b"a long passphrase", b"error: email: email contains an unpaired surrogate"),
        (b"a@example.com", b"a long \xff pass", b"error: the password on stdin is not UTF-8 text"),
    ],
    ids=["email", "password"],
)
def test_add_user_with_bytes_that_are_not_utf8_fails_naming_the_field(run, email, password, message):
    result = run("add-user", email, "--password-stdin", stdin=password + b"\n")
    assert result.returncode == 1
    assert message in result.stderr
    assert b"Traceback" not in result.stderr
