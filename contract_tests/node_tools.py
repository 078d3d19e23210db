"""The npm tools of the contract suite, installed by `npm ci` into a cache outside the repository.

contract_tests/node/package.json and its lock pin them; each pinning is
installed once, under CONTRACT_NODE_CACHE (default ~/.cache/widget-api-contract).
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
MANIFESTS = ("package.json", "package-lock.json")


def cache_root() -> Path:
    configured = os.environ.get("CONTRACT_NODE_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "widget-api-contract"


def require_node() -> None:
    """Skip, saying what is missing, where Node.js or npm is not installed."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found on PATH: this test needs Node.js 20+ with npm"
        )


def install() -> Path:
    """The directory whose node_modules holds the pinned tools, running `npm ci` the first time."""
    require_node()
    digest = hashlib.sha256(b"".join((NODE_DIR / name).read_bytes() for name in MANIFESTS))
    home = cache_root() / f"tools-{digest.hexdigest()[:16]}"
    if (home / "node_modules" / ".bin").is_dir():
        return home
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=home.parent, prefix="installing-"))
    for name in MANIFESTS:
        shutil.copy(NODE_DIR / name, staging)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        # Spectral's packages depend on @scarf/scarf, whose install script reports the install
        # to its vendor; a test run sends nothing anywhere but the npm registry.
        env={**os.environ, "SCARF_ANALYTICS": "false"},
    )
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"npm ci failed ({done.returncode}): {done.stderr[-3000:]}")
    try:
        staging.rename(home)  # atomic: a half-installed tree is never taken for a finished one
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another run finished first
    return home


def tool(home: Path, name: str) -> str:
    return str(home / "node_modules" / ".bin" / name)
