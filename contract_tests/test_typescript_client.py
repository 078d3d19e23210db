"""TypeScript types generated from the spec (openapi-typescript) type a client (openapi-fetch).

`tsc --noEmit` compiles contract_tests/node/usage.ts against the generated
types: the calls a client developer makes must type-check, and the mistakes
marked `@ts-expect-error` in it must not.
"""

import shutil
import subprocess

from contract_tests.node_tools import NODE_DIR, tool
from service.spec.document import SPEC_PATH


def run(command: list, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_generated_types_compile_against_the_usage_file(npm_tools, tmp_path):
    for name in ("usage.ts", "tsconfig.json"):
        shutil.copy(NODE_DIR / name, tmp_path)
    (tmp_path / "node_modules").symlink_to(npm_tools / "node_modules", target_is_directory=True)
    generated = run(
        [tool(npm_tools, "openapi-typescript"), str(SPEC_PATH), "-o", "api.d.ts"], tmp_path
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "export interface paths" in (tmp_path / "api.d.ts").read_text()

    compiled = run([tool(npm_tools, "tsc"), "--noEmit", "-p", "tsconfig.json"], tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
