"""Declare a `head` operation beside every `get` of openapi/api.yaml that lacks one.

HEAD is answered wherever GET is (RFC 9110 §9.3.2): the same parameters,
security, statuses and headers, and no body. OpenAPI 3.0 declares it as an
operation of its own, so each `get` gets a `head` twin, written into the file
as text right after the `get` (the rest of the file is left as it is). The
server routes each `head` to its path's `get` handler.

    .venv/bin/python scripts/head_operations.py          # add the missing ones
    .venv/bin/python scripts/head_operations.py --check  # exit 1 if any is missing

A `get` added or changed later needs its `head` brought along: delete the old
`head` block and run this again (tests/spec/test_head.py checks that they agree).
"""

import sys
from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parents[1] / "openapi" / "api.yaml"
COPIED = ("tags", "security", "x-admin-only", "x-cacheable", "parameters")
HEAD = "Head"
DESCRIPTION = (
    "`GET` without the body (RFC 9110 §9.3.2): the same status and headers, authentication,"
    " validation and conditional requests included."
)


def head_of(get: dict) -> dict:
    """The `head` twin of a `get` operation: its responses keep their headers, not their content.

    A response the `get` refers to (`components.responses.X`) becomes a reference to
    `components.responses.XHead`, its headers-only twin.
    """
    head = {"tags": get.get("tags"), "operationId": get["operationId"] + "_head",
            "summary": f"{get['summary']}: status and headers only", "description": DESCRIPTION}
    head.update({key: get[key] for key in COPIED if key in get})
    head["responses"] = {
        status: {"$ref": response["$ref"] + HEAD} if "$ref" in response else headers_only(response)
        for status, response in get["responses"].items()
    }
    return {key: value for key, value in head.items() if value is not None}


def headers_only(response: dict) -> dict:
    shown = {"description": response["description"]}
    if response.get("headers"):
        shown["headers"] = response["headers"]
    shown.update({key: value for key, value in response.items() if key.startswith("x-")})
    return shown


def missing(root: dict) -> tuple[list, dict]:
    """(path, head operation) for every path with a `get` and no `head`, and the headers-only
    twins of component responses they refer to that the document lacks."""
    heads = [(path, head_of(item["get"])) for path, item in root["paths"].items()
             if "get" in item and "head" not in item]
    components = root["components"]["responses"]
    twins = {}
    for _, head in heads:
        for response in head["responses"].values():
            name = response.get("$ref", "").rsplit("/", 1)[-1]
            if name and name not in components and name not in twins:
                twins[name] = headers_only(components[name.removesuffix(HEAD)])
    return heads, twins


def with_heads(text: str) -> str:
    """`text` with each missing `head` block inserted right after its path's `get` block, and
    the headers-only responses they need at the start of `components.responses`."""
    heads, twins = missing(yaml.safe_load(text))
    lines = text.splitlines(keepends=True)
    for path, head in heads:
        start = lines.index(f"  {_key(path)}:\n")
        get = next(i for i in range(start + 1, len(lines)) if lines[i] == "    get:\n")
        end = next((i for i in range(get + 1, len(lines))
                    if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) <= 4), len(lines))
        lines[end:end] = _block({"head": head}, 4)
    if twins:
        components = lines.index("components:\n")
        at = next(i for i in range(components, len(lines)) if lines[i] == "  responses:\n") + 1
        lines[at:at] = _block(twins, 4)
    return "".join(lines)


def _block(data: dict, indent: int) -> list:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
    return [(" " * indent + line if line.strip() else "") + "\n" for line in text.splitlines()]


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, as the spec writes it; lists indented as there."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


_Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def _key(path: str) -> str:
    """A path as the spec spells it as a key (quoted where YAML needs it)."""
    return yaml.safe_dump({path: None}).split(":", 1)[0] if path != "/" else "/"


def main(argv: list) -> int:
    text = SPEC.read_text(encoding="utf-8")
    heads, _ = missing(yaml.safe_load(text))
    if "--check" in argv:
        for path, _ in heads:
            print(f"{path}: a get without a head", file=sys.stderr)
        return 1 if heads else 0
    SPEC.write_text(with_heads(text), encoding="utf-8")
    print(f"added {len(heads)} head operation(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
