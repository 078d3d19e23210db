"""Reading a Prometheus exposition, and checking it with Prometheus's own `promtool`."""

import os
import shutil
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

PROMTOOL = os.environ.get("PROMTOOL_PATH") or shutil.which("promtool") or "/usr/bin/promtool"


def sample(text: str, name: str, **labels) -> float:
    """The value of the sample `name` whose labels include `labels`; 0 when there is none."""
    found = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                found += s.value
    return found


def promtool() -> str:
    """Debian's promtool (package `prometheus`, installed by scripts/prerequisites); skip with the
    reason where it is missing, fail under CI=true, where the exposition must be checked."""
    if os.path.exists(PROMTOOL):
        return PROMTOOL
    reason = (f"{PROMTOOL} is missing: install it with `bash scripts/prerequisites` as root "
              "(or `sudo apt-get install prometheus`, or set PROMTOOL_PATH)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"promtool check cannot run in CI: {reason}")
    pytest.skip(reason)


def promtool_problems(text: str, promtool_path: str) -> str:
    """What `promtool check metrics` says of `text`; empty when it passes."""
    checked = subprocess.run(
        [promtool_path, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60, check=False,
    )
    return "" if checked.returncode == 0 else checked.stdout + checked.stderr
