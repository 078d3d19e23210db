"""One OpenAPI 3.0 schema, compiled twice: a fast verdict and a reference explanation.

jsonschema-rs decides whether an instance is valid (microseconds, compiled
once at start-up). Only when it says no does openapi-schema-validator, the
library openapi-core validates with, run to name what is wrong; its verdict is
final, so the semantics stay those of openapi-core. A differential test feeds
both the same corpus to show they agree.
"""

import functools

import jsonschema_rs
from jsonschema import FormatChecker

# OpenAPI 3.0 keywords that JSON Schema draft 4 does not know and that do not constrain
# requests or responses here.
ANNOTATIONS = {"example", "examples", "discriminator", "xml", "externalDocs", "deprecated"}


class CompiledSchema:
    """Validate instances of one schema; `iter_errors` matches the jsonschema API."""

    def __init__(self, schema: dict, reference_class, checker: FormatChecker, fast_formats: dict):
        """`fast_formats` maps format names to predicates with the reference checker's verdicts."""
        self.reference = reference_class(schema, format_checker=checker)
        self.fast = jsonschema_rs.Draft4Validator(
            to_json_schema(schema),
            formats=fast_formats,
            validate_formats=True,
            ignore_unknown_formats=True,
        )

    def iter_errors(self, instance):
        """Yield the reference validator's errors; skip it when the fast check passes."""
        try:
            if self.fast.is_valid(instance):
                return iter(())
        except (ValueError, OverflowError, TypeError):
            pass  # an instance jsonschema-rs cannot represent: let the reference judge it
        return self.reference.iter_errors(instance)


def to_json_schema(schema):
    """Translate an OpenAPI 3.0 schema object into JSON Schema draft 4."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {
        key: (value if key in ("enum", "required", "default") else _convert_child(key, value))
        for key, value in schema.items()
        if key not in ANNOTATIONS and not key.startswith("x-")
        and key not in ("nullable", "readOnly", "writeOnly")
    }
    if schema.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _convert_child(key: str, value):
    if key == "properties":
        return {name: to_json_schema(sub) for name, sub in value.items()}
    return to_json_schema(value)


def format_predicates(checker: FormatChecker, pure: set) -> dict:
    """One predicate per format of `checker`; formats in `pure` depend only on the value, so
    their verdicts are memoised (response timestamps and ids repeat across requests)."""
    predicates = {}
    for name in checker.checkers:
        predicate = functools.partial(_conforms, checker, name)
        predicates[name] = functools.lru_cache(maxsize=8192)(predicate) if name in pure else predicate
    return predicates


def _conforms(checker: FormatChecker, name: str, value) -> bool:
    return checker.conforms(value, name)
