"""bench/request_profile.py runs, and prints the CPU of a request and where it goes."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_profile_of_one_endpoint_prints_its_cpu_and_its_functions():
    result = subprocess.run(
        [sys.executable, "bench/request_profile.py", "--backend", "sqlite", "--endpoint", "user",
         "--requests", "50", "--top", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "user on sqlite (200 OK):" in result.stdout
    assert "us of CPU per request" in result.stdout and "cumulative" in result.stdout
