"""A fresh checkout of the project, as a new user's clone has it, to run its commands in.

Its files are the tracked ones as they stand in this working tree (so what is being
changed is what runs), with no database, no metrics and no caches; `.venv` is this
one's, linked, so `scripts/install` finds it current and nothing is installed again.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fresh_checkout(destination: Path) -> Path:
    """Copy the tracked files of the project to `destination`; return it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (destination / ".venv").symlink_to(ROOT / ".venv")
    return destination


def cli(checkout: Path, *args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    """`widget-api ARGS` run in `checkout` from its own code (python -m puts it first on the path)."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("WIDGET_API_")}
    environ.pop("SECRET_KEY", None)
    environ.pop("DATABASE_URL", None)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], cwd=checkout, env=environ, input=stdin,
        capture_output=True, text=True, timeout=120, check=False,
    )
