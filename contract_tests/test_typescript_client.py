"""TypeScript types generated from the spec (openapi-typescript) type a client (openapi-fetch).

`tsc --noEmit` compiles contract_tests/node/usage.ts against the generated
types: the calls a client developer makes must type-check, and the mistakes
marked `@ts-expect-error` in it must not. contract_tests/node/session_flow.ts,
compiled the same way, runs under node against gunicorn; so does
contract_tests/node/account_flow.ts, in two steps around a real mail.
"""

import os
import shutil
import subprocess

import pytest

from contract_tests.node_tools import NODE_DIR, tool
from service.spec.document import SPEC_PATH


def run(command: list, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def generate(npm_tools, where, *files) -> None:
    """Copy `files` from contract_tests/node beside freshly generated types."""
    for name in files:
        shutil.copy(NODE_DIR / name, where)
    (where / "node_modules").symlink_to(npm_tools / "node_modules", target_is_directory=True)
    generated = run(
        [tool(npm_tools, "openapi-typescript"), str(SPEC_PATH), "-o", "api.d.ts"], where
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "export interface paths" in (where / "api.d.ts").read_text()


def test_generated_types_compile_against_the_usage_file(npm_tools, tmp_path):
    generate(npm_tools, tmp_path, "usage.ts", "tsconfig.json")

    compiled = run([tool(npm_tools, "tsc"), "--noEmit", "-p", "tsconfig.json"], tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


@pytest.mark.server
def test_typed_client_drives_the_session_flow_over_gunicorn(npm_tools, tmp_path, live_server):
    generate(npm_tools, tmp_path, "session_flow.ts", "tsconfig.json", "tsconfig.run.json")
    compiled = run([tool(npm_tools, "tsc"), "-p", "tsconfig.run.json"], tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (tmp_path / "out" / "package.json").write_text('{"type": "module"}')
    (tmp_path / "out" / "node_modules").symlink_to(tmp_path / "node_modules")
    ran = subprocess.run(
        ["node", str(tmp_path / "out" / "session_flow.js")], capture_output=True, text=True,
        timeout=120, check=False, env={**os.environ, "BASE_URL": live_server.url},
    )
    assert ran.returncode == 0 and "session flow: ok" in ran.stdout, ran.stdout + ran.stderr


def compile_to_run(npm_tools, where, source: str, config: str) -> None:
    """Type-check and compile `source` with `config` into where/out, runnable by node."""
    generate(npm_tools, where, source, "tsconfig.json", "tsconfig.run.json", config)
    compiled = run([tool(npm_tools, "tsc"), "-p", config], where)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (where / "out" / "package.json").write_text('{"type": "module"}')
    (where / "out" / "node_modules").symlink_to(where / "node_modules")


@pytest.mark.server
def test_typed_client_resets_a_password_from_real_mail_and_logs_in_with_totp(
    npm_tools, tmp_path, mailing_server
):
    server, inbox = mailing_server
    compile_to_run(npm_tools, tmp_path, "account_flow.ts", "tsconfig.account.json")
    email = "ts.account@example.com"

    def step(*argv) -> None:
        ran = subprocess.run(
            ["node", str(tmp_path / "out" / "account_flow.js"), *argv], capture_output=True,
            text=True, timeout=120, check=False, env={**os.environ, "BASE_URL": server.url},
        )
        assert ran.returncode == 0 and f"account flow {argv[0]}: ok" in ran.stdout, ran.stdout + ran.stderr

    step("request", email)
    step("reset", email, inbox.key(email, "Reset your password"))
