"""The floors of docs/architecture.md hold: no module imports one on a higher floor."""

import ast
import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "docs" / "architecture.md"
FLOOR_LINE = re.compile(r"^(\d)\s+\w+\s+(.*)$")


def floors() -> list:
    """(floor, pattern) pairs in the picture's order, continuation lines included."""
    block = PICTURE.read_text().split("```")[1]
    pairs, floor = [], None
    for line in block.splitlines()[2:]:
        match = FLOOR_LINE.match(line.strip())
        if match:
            floor, line = int(match[1]), match[2]
        pairs += [(floor, pattern) for pattern in line.split() if pattern.startswith("service")]
    return pairs


def floor_of(module: str) -> int:
    for floor, pattern in floors():
        if fnmatch(module, pattern):
            return floor
    raise AssertionError(f"{module} stands on no floor of {PICTURE.name}")


def modules() -> dict:
    """Every module of the service package: dotted name -> path."""
    found = {}
    for path in (ROOT / "service").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path, known: dict) -> set:
    """The service modules a file imports (`from a import b` counts as a.b when b is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
    return {name for name in found if name in known}


def test_every_module_stands_on_a_floor():
    for module in modules():
        floor_of(module)


def upward_imports(module: str, path: Path, known: dict) -> dict:
    """What `module` (at `path`) imports from floors above its own, with their floors."""
    return {
        imported: floor_of(imported)
        for imported in imports_of(path, known)
        if floor_of(imported) > floor_of(module)
    }


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_imports_nothing_from_a_higher_floor(module):
    known = modules()
    higher = upward_imports(module, known[module], known)
    assert not higher, f"{module} (floor {floor_of(module)}) imports from above: {higher}"


def test_rules_named_free_of_falcon_do_not_import_it():
    text = PICTURE.read_text()
    named = re.findall(r"`(service\.[\w.]+)`", text.split("Rules free of Falcon:")[1].split("\n\n")[0])
    known = modules()
    assert named
    for module in named:
        tree = ast.parse(known[module].read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {name for name in imported if name.split(".")[0] == "falcon"}, module


def test_an_upward_import_is_caught(tmp_path):
    """A store that imported the app, even as `from service import app`, would be flagged."""
    module = tmp_path / "store.py"
    module.write_text("from service import app\nfrom service.errors import ApiError\n")
    assert upward_imports("service.widgets.store", module, modules()) == {"service.app": 4}


def test_no_module_imports_from_a_conftest():
    """conftest files hold fixtures only; what tests share lives in support modules."""
    importers = [
        str(path.relative_to(ROOT))
        for folder in ("tests", "contract_tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "conftest"
            or isinstance(node, ast.Import) and any(a.name.split(".")[-1] == "conftest" for a in node.names)
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert not importers, f"importing from a conftest: {importers}"
