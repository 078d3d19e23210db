"""The OpenAPI document, loaded once, and the operations it declares."""

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "api.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Operation:
    """One method on one path, with every `$ref` resolved."""

    id: str
    method: str
    path: str
    secured: bool
    admin_only: bool
    cacheable: bool
    parameters: tuple
    request_body: dict | None
    responses: dict


@dataclass(frozen=True)
class Spec:
    """The document as written (for serving) and its resolved operations."""

    text: str
    document: dict
    operations: tuple

    def path_of(self, operation_id: str) -> str:
        """The path template of an operation, so code never restates a path."""
        return next(op.path for op in self.operations if op.id == operation_id)

    def by_path(self) -> dict:
        """Map each path template to its operations by upper-case method."""
        routes: dict = {}
        for op in self.operations:
            routes.setdefault(op.path, {})[op.method] = op
        return routes


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> Spec:
    """Read and resolve the spec; cached, since it never changes at run time."""
    text = Path(path).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    resolved = resolve_refs(document, document)
    return Spec(text=text, document=document, operations=tuple(_operations(resolved)))


def resolve_refs(node, root):
    """Return `node` with every local `$ref` replaced by its target."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve_refs(_pointer(root, node["$ref"]), root)
        return {key: resolve_refs(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, root) for item in node]
    return node


def _pointer(root: dict, ref: str):
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _operations(document: dict):
    default_security = document.get("security", [])
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            yield Operation(
                id=op["operationId"],
                method=method.upper(),
                path=path,
                secured=bool(op.get("security", default_security)),
                admin_only=bool(op.get("x-admin-only", False)),
                cacheable=bool(op.get("x-cacheable", False)),
                parameters=tuple(shared + op.get("parameters", [])),
                request_body=op.get("requestBody"),
                responses=op["responses"],
            )
