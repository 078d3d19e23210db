"""The spec is clean: valid OpenAPI 3.0.3, read by connexion, lint-free, true to its examples."""

import json
import subprocess

import pytest
from connexion.spec import Specification
from jsonschema import FormatChecker
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30Validator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from openapi_spec_validator import OpenAPIV30SpecValidator

from contract_tests.node_tools import tool
from contract_tests.strategies import is_future_date
from service.spec.document import SPEC_PATH, load_spec, resolve_refs
from service.spec.validator import _is_email

DOCUMENT = load_spec().document
SCHEMA_KEYS = ("schema", "items", "additionalProperties", "not")
SCHEMA_MAPS = ("properties", "schemas")


def test_spec_is_openapi_3_0_3_and_valid():
    assert DOCUMENT["openapi"] == "3.0.3"
    OpenAPIV30SpecValidator(DOCUMENT).validate()


def test_connexion_loads_the_spec():
    spec = Specification.load(str(SPEC_PATH))
    assert spec.version == (3, 0, 3)
    assert set(spec["paths"]) == set(DOCUMENT["paths"])


def test_redocly_lint_finds_no_errors(npm_tools, tmp_path):
    done = subprocess.run(
        [tool(npm_tools, "redocly"), "lint", str(SPEC_PATH), "--format=json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    report = json.loads(done.stdout)
    errors = [problem for problem in report["problems"] if problem["severity"] == "error"]
    assert report["totals"]["errors"] == 0, json.dumps(errors, indent=2)
    assert done.returncode == 0, done.stderr


def collect_examples(node, path: str = "#", schema_here: bool = False):
    """Yield (where, example, schema, direction) for every example in the document.

    Media types, parameters and headers carry examples beside their `schema`;
    schema objects carry one of their own. Direction is "request", "response"
    or "any" (a shared component schema).
    """
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from collect_examples(item, f"{path}/{index}", schema_here)
        return
    if not isinstance(node, dict):
        return
    if "schema" in node and not schema_here:
        if "example" in node:
            yield f"{path}/example", node["example"], node["schema"], direction(path)
        for name, example in node.get("examples", {}).items():
            if "value" in example:
                yield f"{path}/examples/{name}", example["value"], node["schema"], direction(path)
    if schema_here and "example" in node:
        yield f"{path}/example", node["example"], node, direction(path)
    for key, child in node.items():
        if key in ("example", "examples"):
            continue
        if key in SCHEMA_MAPS and isinstance(child, dict):
            for name, sub in child.items():
                yield from collect_examples(sub, f"{path}/{key}/{name}", schema_here=True)
        else:
            child_is_schema = key in SCHEMA_KEYS or (
                schema_here and key in ("allOf", "anyOf", "oneOf")
            )
            yield from collect_examples(child, f"{path}/{key}", child_is_schema)


def direction(path: str) -> str:
    if "/responses/" in path:
        return "response"
    if "/requestBod" in path or "/parameters/" in path:
        return "request"
    return "any"


def format_checker() -> FormatChecker:
    """OpenAPI's formats, the RFC 5321 `email` the service applies, and the spec's `future-date`."""
    checker = FormatChecker(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)
    checker.checks("email")(_is_email)
    checker.checks("future-date")(is_future_date)
    return checker


VALIDATORS = {"request": OAS30WriteValidator, "response": OAS30ReadValidator, "any": OAS30Validator}
EXAMPLES = list(collect_examples(DOCUMENT))


def test_the_spec_has_examples_for_requests_and_responses():
    assert {found[3] for found in EXAMPLES} == {"request", "response", "any"}
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize(
    ("where", "example", "schema", "kind"), EXAMPLES, ids=[found[0] for found in EXAMPLES]
)
def test_example_matches_its_schema(where, example, schema, kind):
    resolved = resolve_refs(schema, DOCUMENT)
    validator = VALIDATORS[kind](resolved, format_checker=format_checker())
    problems = [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(example)
    ]
    assert not problems, problems
