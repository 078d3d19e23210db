"""Spectral, with its OpenAPI rules and the OWASP API Security Top 10 2023 rules, passes the spec.

contract_tests/spectral.yaml extends `spectral:oas` and `@stoplight/spectral-owasp-ruleset`;
every rule it switches off says why in a comment just above. Any error or warning fails.
"""

import json
import subprocess
from pathlib import Path

import yaml

from contract_tests.node_tools import tool
from service.spec.document import SPEC_PATH

RULESET = Path(__file__).with_name("spectral.yaml")
SEVERITIES = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def lint(npm_tools: Path, tmp_path: Path, spec_text: str) -> list[dict]:
    """Spectral's findings on `spec_text`, as {severity, code, path, message}."""
    # Spectral resolves the ruleset's `extends` from a node_modules beside the ruleset and reads
    # the overrides' file paths relative to it: lay both out as the repository does.
    (tmp_path / "openapi").mkdir()
    (tmp_path / "openapi" / "api.yaml").write_text(spec_text)
    (tmp_path / "contract_tests").mkdir()
    (tmp_path / "contract_tests" / "spectral.yaml").write_text(RULESET.read_text())
    (tmp_path / "node_modules").symlink_to(npm_tools / "node_modules", target_is_directory=True)
    done = subprocess.run(
        [tool(npm_tools, "spectral"), "lint", "--ruleset", "contract_tests/spectral.yaml",
         "openapi/api.yaml", "--format", "json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode in (0, 1), f"spectral failed to run ({done.returncode}): {done.stderr}"
    return [
        {
            "severity": SEVERITIES[found["severity"]],
            "code": found["code"],
            "path": "/".join(str(part) for part in found["path"]),
            "message": found["message"],
        }
        for found in json.loads(done.stdout)
    ]


def test_spectral_with_the_owasp_rules_finds_no_error_and_no_warning(npm_tools, tmp_path):
    findings = lint(npm_tools, tmp_path, SPEC_PATH.read_text())
    serious = [found for found in findings if found["severity"] in ("error", "warning")]
    assert serious == [], json.dumps(serious, indent=2)


def test_spectral_reports_a_request_string_without_a_bound(npm_tools, tmp_path):
    spec = SPEC_PATH.read_text()
    unbounded = spec.replace("      maxLength: 254\n", "", 1)  # the Email schema's bound
    assert unbounded != spec

    findings = lint(npm_tools, tmp_path, unbounded)

    assert {
        "severity": "error",
        "code": "owasp:api4:2023-string-limit",
        "path": "components/schemas/Email",
        "message": "Schema of type string must specify maxLength, enum, or const.",
    } in findings


def test_the_ruleset_extends_both_rulesets():
    assert yaml.safe_load(RULESET.read_text())["extends"] == [
        "spectral:oas",
        "@stoplight/spectral-owasp-ruleset",
    ]


def test_every_rule_switched_off_says_why():
    text = RULESET.read_text()
    overrides = yaml.safe_load(text)["overrides"]
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines) if line.strip() == "- files:"]
    assert len(starts) == len(overrides)
    unexplained = [lines[n + 1] for n in starts if not lines[n - 1].lstrip().startswith("#")]
    assert unexplained == [], "each override needs a comment just above saying why"
    severities = {severity for override in overrides for severity in override["rules"].values()}
    assert severities == {"off"}
